"""Decoding only the fields a filter reads.

A post is about a kilobyte of JSON and a filter reads a handful of its fields. msgspec decodes
into typed structures and skips the fields a type does not declare without building them,
which measured about twice as fast as decoding the whole post with orjson. ``unchecked_decoder_for(paths)``
declares exactly the target paths a compiled filter reads (plus what the runner itself reads) as
nested ``TypedDict`` types, so the result is a plain ``dict`` holding those paths only, and the
matcher's closures run on it unchanged.

Every value the filter can see is the value a full decode gives:

* a path's end is declared ``Any``: its whole value, whatever its type (an object, an array, a
  number, …), exactly as decoded in full; a path that is a prefix of another path read by the
  filter is therefore complete too (``interaction.geo`` with ``interaction.geo.latitude``);
* a key on the way may hold anything: an object (only the declared keys are kept), an array
  (decoded in full: targets fan out over arrays), a scalar or null;
* a line that is not a JSON object, or that msgspec refuses for any reason (invalid JSON, a
  number out of range, a lone surrogate, a nesting too deep), raises, and the runner decodes it
  the careful way, which reports it exactly as before;
* msgspec does not check the UTF-8 of strings it skips, so a line that is not pure ASCII is
  checked first (a strict UTF-8 decode raises for what the full decoders refuse).

Integers beyond 64 bits keep their exact value (as the standard library's decoder does; orjson
turns them into floats).
"""

from __future__ import annotations

#: What the runner itself reads from every post, besides the filter's targets.
RUNNER_PATHS = ("interaction.created_at", "interaction.type")


def unchecked_decoder_for(paths):
    """msgspec's own ``decode`` for ``paths``: the caller must first make sure the line is pure
    ASCII or valid UTF-8 (``is_utf8``), which msgspec does not check in the fields it skips."""
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json.Decoder(_root_type(paths)).decode


def is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _trie(paths) -> dict:
    """``{key: (is_read_whole, children)}``."""
    root: dict = {}
    for path in paths:
        node = root
        keys = path.split(".")
        for depth, key in enumerate(keys):
            whole, children = node.get(key, (False, {}))
            whole = whole or depth == len(keys) - 1
            node[key] = (whole, children)
            node = children
    return root


def _root_type(paths):
    from typing import Any, TypedDict, Union

    counter = [0]

    def object_type(children: dict):
        fields = {}
        for key, (whole, grandchildren) in children.items():
            if whole or not grandchildren:
                fields[key] = Any
            else:
                # An object keeps only the declared keys; an array or a scalar is kept whole.
                fields[key] = Union[object_type(grandchildren), list, str, int, float, bool, None]
        counter[0] += 1
        return TypedDict(f"Projection{counter[0]}", fields, total=False)

    return object_type(_trie(paths))
