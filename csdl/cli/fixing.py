"""``csdl check --fix``, ``--diff`` and ``--fix-only``: apply the checker's fixes to each file and
say what was done ("3 fixed, 1 remaining").

The fixing itself is ``csdl.checking.fix_loop`` (iterated until stable, never a result that fails to
parse); this module writes files back (through ``csdl.cli.output.write_file``: symlinks followed,
modes kept, atomic), shows diffs, and counts.
"""

from __future__ import annotations

import difflib

import click

from csdl.cli.output import use_color, write_file


class FixTally:
    """Counts over all files: diagnostics fixed, fixes left out because they are unsafe, and the
    unified diffs (for ``--diff``)."""

    def __init__(self):
        self.fixed = 0
        self.hidden = 0
        self.files_changed = 0
        self.diffs: list[str] = []

    def summary(self, remaining: int, *, would: bool) -> str:
        """``3 fixed, 1 remaining.`` (``--diff``: ``3 would be fixed, 1 would remain.``)."""
        if would:
            text = f"{self.fixed:,} would be fixed, {remaining:,} would remain."
        else:
            text = f"{self.fixed:,} fixed, {remaining:,} remaining."
        if self.hidden:
            text += f" {_plural(self.hidden, 'more fix', 'more fixes')} with --unsafe-fixes."
        return text


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def fix_source(source, options: dict, *, unsafe: bool, diff: bool, tally: FixTally):
    """Fix one readable source; returns the ``FixResult``. Writes the file unless ``diff`` (or
    standard input, whose fixed text the caller prints)."""
    from csdl.checking.fix_loop import fix_text

    return record(source, fix_text(source.text, unsafe=unsafe, **options), diff=diff, tally=tally)


def record(source, result, *, diff: bool, tally: FixTally):
    """Count ``result`` (a filter's or a payload's ``FixResult``) and write the fixed text back to
    ``source``, or keep its diff when ``diff``; standard input is left to the caller."""
    tally.fixed += len(result.fixed)
    tally.hidden += result.hidden
    if result.changed:
        tally.files_changed += 1
        if diff:
            tally.diffs.append(unified_diff(source.path, result.original, result.text))
        elif not source.is_stdin:
            write_file(source.path, result.text, bom=source.bom)
    return result


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=path, tofile=path)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def print_diffs(tally: FixTally) -> None:
    text = "".join(tally.diffs)
    if use_color():
        text = "".join(click.style(line, fg="green") if line.startswith("+") and not line.startswith("+++")
                       else click.style(line, fg="red") if line.startswith("-") and not line.startswith("---")
                       else line for line in text.splitlines(keepends=True))
    click.echo(text, nl=False)
