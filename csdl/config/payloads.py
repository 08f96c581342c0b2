"""The payload section of the settings: keys of ``[tool.csdl]`` (or ``csdl.toml``) read by
``csdl.config.files``:

```toml
[tool.csdl]
data365-source = "twitter_keywords"      # default Data365 source of tasks bodies
data365-max-days = 31                    # P316's limit
source-types = ["twitter_gnip"]          # more Managed Source types to accept (P120)

[tool.csdl.payloads]                     # glob -> kind (or a table with the kind and its source)
"sources/*.json" = "source-create"
"tasks/tiktok/**/*.json" = { kind = "data365-tasks", data365-source = "tiktok_hashtag" }

[tool.csdl.per-file-ignores]             # glob -> codes, for payloads and filters alike
"sources/legacy-*.json" = ["P115"]
```

Globs are relative to the configuration file's directory; ``**`` spans folders, a glob without
``/`` matches the file name in any folder.
"""

from __future__ import annotations

import os
import re
from typing import Callable

KEYS = ("payloads", "data365-source", "data365-max-days", "source-types", "per-file-ignores")


class PayloadSettings:
    __slots__ = ("base", "kinds", "data365_source", "max_period_days", "source_types", "per_file_ignores")

    def __init__(self, base: str | None = None):
        self.base = base
        self.kinds: list[tuple[re.Pattern, str, str | None]] = []  # (glob, kind, data365 source)
        self.data365_source: str | None = None
        self.max_period_days = 31
        self.source_types: list[str] = []
        self.per_file_ignores: list[tuple[re.Pattern, list[str]]] = []

    def _relative(self, path: str) -> str:
        absolute = os.path.abspath(path)
        base = self.base or os.getcwd()
        try:
            rel = os.path.relpath(absolute, base)
        except ValueError:  # another drive on Windows
            rel = absolute
        return rel.replace(os.sep, "/")

    def kind_for(self, path: str | None) -> tuple[str | None, str | None]:
        """The configured (kind, data365 source) of a file, the first matching glob winning."""
        if path is None or not self.kinds:
            return None, None
        rel = self._relative(path)
        for pattern, kind, source in self.kinds:
            if pattern.match(rel):
                return kind, source
        return None, None

    def ignores_for(self, path: str | None) -> list[str]:
        if path is None or not self.per_file_ignores:
            return []
        rel = self._relative(path)
        return [code for pattern, codes in self.per_file_ignores if pattern.match(rel) for code in codes]


def glob_pattern(glob: str) -> re.Pattern:
    """A regular expression for a path glob (``**`` any folders, ``*`` within one name)."""
    glob = glob.replace("\\", "/")
    if glob.startswith("./"):
        glob = glob[2:]
    anywhere = "/" not in glob
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    body = "".join(out)
    return re.compile(("(?:.*/)?" if anywhere else "") + body + r"\Z")


def read_settings(values: dict, base: str, fail: Callable[[str, str], Exception],
                  check_codes: Callable[[list[str], str], None]) -> PayloadSettings:
    """Validate the payload keys of one configuration file; ``fail(key, message)`` builds the error."""
    from csdl.payloads.data365 import SOURCES  # here: every csdl check builds PayloadSettings, few read these keys

    settings = PayloadSettings(base)
    for key, value in values.items():
        if key == "data365-source":
            if not isinstance(value, str) or value not in SOURCES:
                raise fail(key, f"expected a Data365 source name ({', '.join(SOURCES)}), found {value!r}")
            settings.data365_source = value
        elif key == "data365-max-days":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise fail(key, f"expected a whole number of days of at least 1, found {value!r}")
            settings.max_period_days = value
        elif key == "source-types":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise fail(key, 'expected a list of source type names, such as ["twitter_gnip"]')
            settings.source_types = list(value)
        elif key == "payloads":
            if not isinstance(value, dict):
                raise fail(key, 'expected a table of globs, such as {"sources/*.json" = "source-create"}')
            for glob, target in value.items():
                settings.kinds.append(_kind_entry(glob, target, fail))
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise fail(key, 'expected a table of globs, such as {"legacy/*.json" = ["P115"]}')
            for glob, codes in value.items():
                if isinstance(codes, str):
                    codes = [codes]
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise fail(key, f"`{glob}`: expected a list of rule codes or prefixes")
                parsed = [part.strip().upper() for c in codes for part in c.split(",") if part.strip()]
                check_codes(parsed, key)
                settings.per_file_ignores.append((glob_pattern(glob), parsed))
    return settings


def _kind_entry(glob: str, target, fail) -> tuple[re.Pattern, str, str | None]:
    from csdl.payloads.data365 import SOURCES
    from csdl.payloads.kinds import KINDS

    source = None
    if isinstance(target, dict):
        unknown = set(target) - {"kind", "data365-source"}
        if unknown:
            raise fail("payloads", f"`{glob}`: unknown key `{sorted(unknown)[0]}` (expected kind, data365-source)")
        source = target.get("data365-source")
        target = target.get("kind")
        if source is not None and source not in SOURCES:
            raise fail("payloads", f"`{glob}`: unknown Data365 source {source!r}")
    if target not in KINDS:
        raise fail("payloads", f"`{glob}`: expected a payload kind ({', '.join(KINDS)}), found {target!r}")
    return glob_pattern(glob), target, source
