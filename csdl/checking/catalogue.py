"""The target catalogue: what each CSDL target holds and which operators it takes.

The facts live in ``csdl/data/targets.tsv`` (copied unchanged from the project's reference
catalogue); ``csdl/data/targets-extra.tsv`` adds the few targets that DataSift's own examples use but
the reference catalogue lacks, each with its evidence in the note column. The files are read once,
on the first lookup, so commands that never validate never pay for them.
"""

from __future__ import annotations

import os
import threading

#: Prefix targets: any path below them is a target (``interaction.tag_tree.sales.lead_score``).
TAG_TREE = "interaction.tag_tree"


class Target:
    """One catalogue row. ``type`` is ``string``/``int``/``float``/``geo``; ``is_list`` marks ``[]``."""

    __slots__ = ("name", "type", "is_list", "kind", "cs", "operators", "platform", "note", "pylon_use")

    def __init__(self, name: str, type_: str, kind: str, cs: bool, operators: frozenset, platform: str, note: str):
        self.name = name
        self.is_list = type_.endswith("[]")
        self.type = type_[:-2] if self.is_list else type_
        self.kind = kind
        self.cs = cs
        self.operators = operators
        self.platform = platform
        self.note = note
        self.pylon_use = _pylon_use(note)

    @property
    def is_numeric(self) -> bool:
        return self.type in ("int", "float")

    @property
    def is_text(self) -> bool:
        return self.type == "string"

    @property
    def type_label(self) -> str:
        return self.type + ("[]" if self.is_list else "")

    def __repr__(self) -> str:
        return f"Target({self.name!r}, {self.type_label}, {self.kind}, {self.platform})"


def _pylon_use(note: str) -> frozenset | None:
    """The PYLON usage flags of a note such as ``pylon use: interaction+analysis+query``."""
    marker = "pylon use:"
    index = note.find(marker)
    if index < 0:
        return None
    words = note[index + len(marker):].split(";")[0].strip().split("+")
    return frozenset(w.strip() for w in words if w.strip())


#: What each word of ``pylon use:`` lets a PYLON user do with the target.
_PYLON_USES = {"interaction": "interaction filters", "analysis": "analysis", "query": "query filters"}
#: Words of a note's clause that record where the catalogue row came from (for its maintainers), not
#: how to use the target: such clauses are left out of what a user is shown.
_EVIDENCE = ("jcsdl", "vim", "subl", "seed", "examples.md", "inferred", "assumed", "by analogy", "docs",
             "catalogue", "nuvi", "preset", "kept as")


def readable_note(note: str) -> list[str]:
    """A target's catalogue note as sentences for its user: ``pylon use: interaction+query`` reads
    "PYLON: interaction filters and query filters.", ``last seen in jcsdl 2013-12`` reads "Last
    offered by DataSift's query builder (JCSDL) in 2013-12."; ``retired source`` is left to the
    caller (a warning of its own) and so are the clauses that record the row's evidence."""
    out = []
    for clause in (part.strip() for part in note.split(";")):
        if not clause or clause in ("note", "retired source"):
            continue
        if clause.startswith("pylon use:"):
            uses = [_PYLON_USES.get(w.strip(), w.strip()) for w in clause[len("pylon use:"):].split("+") if w.strip()]
            shown = ", ".join(uses[:-1]) + " and " + uses[-1] if len(uses) > 1 else "".join(uses)
            out.append(f"PYLON: {shown}.")
        elif clause.startswith("last seen in jcsdl "):
            out.append(f"Last offered by DataSift's query builder (JCSDL) in {clause.rsplit(' ', 1)[1]}.")
        elif not any(word in clause.lower() for word in _EVIDENCE):
            out.append(clause[0].upper() + clause[1:] + ("" if clause.endswith(".") else "."))
    return out


# The rows are read once, on the first lookup, as text; a row becomes a ``Target`` when it is first
# looked up. A small check looks up a handful of the ~850 targets, and building them all was most of
# its validation time.
_rows: dict[str, str] | None = None
_made: dict[str, Target | None] = {}
_all: dict[str, Target] | None = None
_lock = threading.Lock()


def _raw() -> dict[str, str]:
    global _rows
    if _rows is None:
        with _lock:
            if _rows is None:
                rows: dict[str, str] = {}
                for filename in ("targets.tsv", "targets-extra.tsv"):
                    _read(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", filename), rows)
                _rows = rows
    return _rows


def _read(path: str, rows: dict[str, str]) -> None:
    """``name -> line`` for each row with the six columns a target needs; the first row of a name wins."""
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with f:
        lines = f.read().split("\n")
    for line in lines[1:]:  # after the header
        name = line[: line.find("\t")]
        if name not in rows and line.count("\t") >= 5:
            rows[name] = line


def _make(line: str) -> Target:
    cols = line.split("\t")
    name, type_, kind, cs, ops, platform = cols[:6]
    note = cols[7] if len(cols) > 7 else ""
    return Target(name, type_, kind, cs == "yes", frozenset(ops.split(",")), platform, note)


def _target(name: str) -> Target | None:
    try:
        return _made[name]
    except KeyError:
        pass
    line = _raw().get(name)
    made = _made[name] = _make(line) if line is not None else None
    return made


def targets() -> dict[str, Target]:
    """Every catalogued target by name."""
    global _all
    if _all is None:
        _all = {name: _target(name) for name in _raw()}
    return _all


def lookup(name: str) -> Target | None:
    """The catalogue entry for ``name`` (lower case); paths below ``interaction.tag_tree`` map to it."""
    found = _target(name)
    if found is None and name.startswith(TAG_TREE + "."):
        return _target(TAG_TREE)
    return found


def suggest(name: str) -> str | None:
    """The closest catalogued target name, if one is close enough to be a likely typo."""
    return guess_target(name)[0]


#: How much closer (difflib's ratio, 0 to 1) the best guess must be than the next one to be the
#: clear choice: `interactin.sample` (0.97) over `interaction.age` (0.81) is; `facebook.text`'s
#: `facebook.type` (0.85) over `facebook.name` (0.77) is not.
CLEAR_MARGIN = 0.1


def guess_target(name: str) -> tuple[str | None, bool]:
    """``(target, clear)``: the closest catalogued target name to a likely typo (or None), and
    whether it is the clear choice (no other candidate nearly as close), which makes replacing
    the typo by it a safe fix."""
    import difflib

    table = targets()
    matches = difflib.get_close_matches(name, table.keys(), n=2, cutoff=0.75)
    if matches:
        ratios = [difflib.SequenceMatcher(None, name, m).ratio() for m in matches]
        return matches[0], len(matches) == 1 or ratios[0] - ratios[1] >= CLEAR_MARGIN
    # A right last segment under a misspelt source (`twiter.text`) or the reverse: a weaker guess.
    head, _, last = name.rpartition(".")
    same_tail = [t for t in table if t.rpartition(".")[2] == last]
    matches = difflib.get_close_matches(name, same_tail, n=1, cutoff=0.6)
    return (matches[0] if matches else None), False


# --- what DataSift's own material says beyond the catalogue's columns ---------------------------

_facts: dict[str, dict] = {}


def _facts_table(filename: str) -> dict[str, list[str]]:
    """``target -> [other columns]`` of a small data file, read once."""
    table = _facts.get(filename)
    if table is None:
        table = {}
        path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", filename)
        with open(path, encoding="utf-8") as f:
            next(f, None)  # header
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 2 and cols[0]:
                    table[cols[0]] = cols[1:]
        _facts[filename] = table
    return table


def pylon_label(name: str) -> str | None:
    """Why a free-text target holds whole labels in PYLON query filters (so `==`, `!=` and `in` work
    on it, as DataSift used them), or None. Data: ``csdl/data/pylon-label-targets.tsv``."""
    row = _facts_table("pylon-label-targets.tsv").get(name)
    return row[0] if row else None


def disputed_type(name: str) -> tuple[str, str] | None:
    """(the argument kind DataSift's own sources also use, how they disagree) for a target whose type
    DataSift's sources disagree on, or None. Data: ``csdl/data/disputed-types.tsv``."""
    row = _facts_table("disputed-types.tsv").get(name)
    return (row[0], row[1]) if row and len(row) >= 2 else None


def retired(target: "Target") -> str | None:
    """For a target of a retired source, what the catalogue says of it (``last seen in jcsdl
    2013-12``, from the note ``retired source; last seen in jcsdl 2013-12``); else None."""
    index = target.note.find("retired source")
    if index < 0:
        return None
    parts = target.note[index:].split(";")
    return parts[1].strip() if len(parts) > 1 and parts[1].strip() else ""
