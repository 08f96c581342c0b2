"""Payload files in ``csdl check``: which inputs are payloads, their kind and Data365 source (the
options, then the configuration's globs, then the body's shape), and their diagnostics.

A ``.json`` file named on the command line, matched by a ``[tool.csdl.payloads]`` glob, or read
from standard input with ``--kind``, a ``--stdin-filename`` ending in ``.json`` or a body that
starts with ``{`` or ``[`` is a payload. A
``.json`` file met while walking a directory whose keys fit no payload kind (a ``package.json``)
is skipped with a note instead of failing the run.
"""

from __future__ import annotations

import os

import click

from csdl.cli.output import note, warning
from csdl.cli.reporters import FileResult
from csdl.reading import STDIN, Source

PAYLOAD_EXTENSION = ".json"


def looks_like_json(text: str | None) -> bool:
    """Standard input that starts with ``{`` or ``[`` is JSON: no CSDL filter can start so."""
    return (text or "").lstrip().startswith(("{", "["))


class PayloadInputs:
    def __init__(self, paths, *, kind: str | None, data365_source: str | None, today, previous_path: str | None,
                 stdin_filename: str | None):
        self.kind = kind
        self.data365_source = data365_source
        self.today = today.date() if today is not None else None
        self.explicit = {os.path.normpath(p) for p in paths if p != STDIN}
        self.stdin_filename = stdin_filename
        self.previous = _read_previous(previous_path) if previous_path else None
        self.skipped: list[str] = []

    @staticmethod
    def _settings(config):
        if config.payload is None:
            from csdl.config.payloads import PayloadSettings

            config.payload = PayloadSettings(os.path.dirname(config.path) if config.path else None)
        return config.payload

    def is_payload(self, source: Source, config) -> bool:
        if source.is_stdin:
            return (self.kind is not None or (self.stdin_filename or "").lower().endswith(PAYLOAD_EXTENSION)
                    or looks_like_json(source.text))
        if source.path.lower().endswith(PAYLOAD_EXTENSION):
            return True
        return config.payload is not None and config.payload.kind_for(source.path)[0] is not None

    def check(self, source: Source, config, selection: dict) -> FileResult | None:
        """The payload's result, or None for a discovered ``.json`` file that is not a payload."""
        from csdl.payloads import check_payload

        kind, options = self._options(source, config, selection)
        diagnostics = check_payload(source.text, kind, **options)
        discovered = not source.is_stdin and os.path.normpath(source.path) not in self.explicit and kind is None
        if discovered and len(diagnostics) == 1 and diagnostics[0].code == "P003":
            self.skipped.append(source.path)
            return None
        return FileResult(source.path, source.text, diagnostics)

    def fix(self, source: Source, config, selection: dict, *, unsafe: bool, diff: bool, tally):
        """``--fix``/``--diff`` for a payload: the ``FixResult``, the file written back unless
        ``diff`` or standard input (as for filters); None for a discovered non-payload."""
        from csdl.cli.fixing import record
        from csdl.payloads.payload_fixes import fix_payload

        if self.check(source, config, selection) is None:
            return None
        kind, options = self._options(source, config, selection)
        return record(source, fix_payload(source.text, kind, unsafe=unsafe, **options), diff=diff, tally=tally)

    def _options(self, source: Source, config, selection: dict) -> tuple[str | None, dict]:
        settings = self._settings(config)
        configured_kind, configured_source = settings.kind_for(None if source.is_stdin else source.path)
        kind = self.kind or configured_kind
        if self.data365_source is not None:
            data365_source, origin = self.data365_source, "--data365-source"
        elif configured_source or settings.data365_source:
            data365_source = configured_source or settings.data365_source
            from csdl.config.resolve import shown_path

            origin = f"the configuration ({shown_path(config.path) if config.path else 'csdl.toml'})"
        else:
            data365_source, origin = None, ""
        return kind, dict(
            data365_source=data365_source, data365_source_origin=origin, today=self.today, previous=self.previous,
            source_types=settings.source_types, max_period_days=settings.max_period_days,
            select=selection["select"], ignore=selection["ignore"], extend_select=selection["extend_select"])

    def note_skipped(self) -> None:
        if self.skipped:
            shown = ", ".join(self.skipped[:3]) + (f" and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else "")
            note(f"skipped {len(self.skipped)} .json file(s) that are not payloads: {shown} "
                 "(declare a kind with --kind or [tool.csdl.payloads] to check them)")


def _read_previous(path: str):
    from csdl.payloads import PayloadOptionError, load_previous

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise click.BadParameter(f"{path}: {exc.strerror or exc}", param_hint="--previous") from None
    try:
        return load_previous(data)
    except PayloadOptionError as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--previous") from None


def check_selectors(select, extend_select, ignore) -> None:
    """Command-line selectors must name known codes, whether the inputs are filters or payloads
    (``SelectionError`` otherwise, as ``csdl.check`` raises)."""
    if not (select or extend_select or ignore):
        return  # nothing to validate: the registry is not built for nothing
    from csdl.checking.selection import Selection
    from csdl.codes import registry

    Selection(list(select) or None, list(ignore), list(extend_select)).check_known(registry())
    warn_unreported(list(select) + list(extend_select))


def warn_unreported(selectors: list[str]) -> None:
    """A warning for each selector whose every code ``csdl check`` never reports (``--select C``:
    the reference codes of ``csdl cost`` and ``csdl run``): accepted, it could never report."""
    from csdl.checking.selection import parse_selectors
    from csdl.codes import not_from_check, registry

    never = not_from_check()
    for selector in parse_selectors(selectors) or []:
        matched = [code for code in registry() if code.startswith(selector)]
        if matched and all(code in never for code in matched):
            shown = ", ".join(matched[:3]) + (", …" if len(matched) > 3 else "")
            warning(f"`{selector}` selects only codes that `csdl check` never reports ({shown}: "
                    "`csdl cost` and `csdl run` report them)")
