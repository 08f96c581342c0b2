from __future__ import annotations

import click

from csdl.cli import EXIT_CLEAN, EXIT_PROBLEMS
from csdl.cli.inputs import parsed, sources
from csdl.cli.output import log, use_color
from csdl.cli.reporters import REPORTERS, FileResult


@click.command("format")
@click.argument("paths", nargs=-1, metavar="FILE|DIR|-...")
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if any file would be reformatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print a unified diff of the changes.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def format_command(paths, check_only, show_diff, stdin_filename, quiet):
    """Rewrite filters in canonical form (comments are kept).

    Files are rewritten in place; standard input is written to standard output. A file with a
    syntax error is reported and left untouched.

    \b
    Examples:
      csdl format filter.csdl
      csdl format --check filters/
      csdl format --diff filter.csdl
      cat filter.csdl | csdl format -
    """
    from csdl.cli.output import OutputError, write_file
    from csdl.language.printer import print_filter

    changed = failed = total = files = 0
    for source in sources(paths, stdin_filename):
        total += 1
        files += not source.is_stdin
        tree, diagnostics = parsed(source)
        if tree is None:
            failed += 1
            click.echo(REPORTERS["concise"]([FileResult(source.path, source.text, diagnostics)]).splitlines()[0], err=True)
            continue
        formatted = print_filter(tree)
        if source.is_stdin and not (check_only or show_diff):
            click.echo(formatted, nl=False)
            continue
        if formatted == source.text:
            continue
        changed += 1
        if show_diff:
            import difflib

            diff = difflib.unified_diff(
                source.text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                fromfile=source.path, tofile=source.path,
            )
            text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)
            click.echo(_color_diff(text) if use_color() else text, nl=False)
        elif check_only:
            click.echo(f"Would reformat: {source.path}")
        else:
            try:  # the file's byte-order mark stays, as black keeps it
                write_file(source.path, formatted, bom=source.bom)
            except OSError as exc:
                raise OutputError(f"cannot write {source.path}: {exc.strerror or exc}") from None
    verb = "would be reformatted" if (check_only or show_diff) else "reformatted"
    unchanged = total - changed - failed
    parts = [f"{changed} file{'s' if changed != 1 else ''} {verb}", f"{unchanged} left unchanged"]
    if failed:
        parts.append(f"{failed} could not be parsed")
    log(", ".join(parts) + ".", quiet=quiet or (files == 0 and not (check_only or show_diff)))
    if failed:
        raise SystemExit(EXIT_PROBLEMS)
    raise SystemExit(EXIT_PROBLEMS if changed and (check_only or show_diff) else EXIT_CLEAN)


def _color_diff(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith("+") and not line.startswith("+++"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("-") and not line.startswith("---"):
            out.append(click.style(line, fg="red"))
        else:
            out.append(line)
    return "".join(out)
