"""Which kind of payload a body is, when nobody said: its keys decide when they are unambiguous.

- ``tasks`` -> ``data365-tasks``;
- a source ``id`` with ``source_type``, ``resources`` or ``auth``, or an ``id`` of 32 hexadecimal
  digits (the platform's) -> ``source-update``;
- ``source_type``, ``resources`` or ``auth`` without ``id`` -> ``source-create``, unless its
  resources or identities carry platform ids (``resource_id``, ``identity_id``): that is either a
  create body with ids pasted in or an update without its ``id``;
- both Data365 and Managed Source keys, or the case above: ambiguous;
- none of them: unknown (``name`` or ``parameters`` alone are too common in other JSON files, such
  as ``package.json``, to tell anything).
"""

from __future__ import annotations

import re

from csdl.payloads.context import printable
from csdl.payloads.json_parser import ARRAY, OBJECT, Node

SOURCE_CREATE, SOURCE_UPDATE, DATA365_TASKS = "source-create", "source-update", "data365-tasks"
KINDS = (SOURCE_CREATE, SOURCE_UPDATE, DATA365_TASKS)
SOURCE_KEYS = ("source_type", "resources", "auth")  # the keys that only Managed Sources bodies have
HEX_ID = re.compile(r"[0-9a-f]{32}\Z")
DECLARE = ("declare it with --kind source-create|source-update|data365-tasks, or with a glob in "
           "[tool.csdl.payloads] of the configuration")


class Detection:
    """``kind`` when the shape decides it; otherwise ``problem`` ("unknown" or "ambiguous") and ``reason``."""

    __slots__ = ("kind", "problem", "reason")

    def __init__(self, kind: str | None = None, problem: str | None = None, reason: str = ""):
        self.kind = kind
        self.problem = problem
        self.reason = reason


def _carries_ids(root: Node) -> bool:
    for key, id_key in (("resources", "resource_id"), ("auth", "identity_id")):
        entries = root.get(key)
        if entries is not None and entries.type == ARRAY:
            if any(e.type == OBJECT and id_key in e for e in entries.items):
                return True
    return False


def detect(root: Node) -> Detection:
    if root.type != OBJECT:
        return Detection(problem="unknown", reason=f"the body is {root.type_word}, not an object")
    data365 = "tasks" in root
    source = [k for k in SOURCE_KEYS if k in root]
    ident = root.get("id")
    has_id = ident is not None and (bool(source) or (ident.type == "string" and HEX_ID.match(ident.value) is not None))
    if data365 and (source or has_id):
        both = ", ".join(f"`{k}`" for k in (source or ["id"]))
        return Detection(problem="ambiguous", reason=f"it has `tasks` (Data365) and {both} (Managed Sources)")
    if data365:
        return Detection(DATA365_TASKS)
    if has_id:
        return Detection(SOURCE_UPDATE)
    if source:
        if _carries_ids(root):
            return Detection(problem="ambiguous", reason="its resources or identities carry platform ids but the body "
                             "has no source `id`: a create body with ids pasted in, or an update missing its `id`")
        return Detection(SOURCE_CREATE)
    keys = ", ".join(f"`{printable(k.value)}`" for k, _ in root.pairs[:5]) or "no keys"
    return Detection(problem="unknown", reason=f"it has {keys}; none of tasks, source_type, resources, auth, or a platform id")
