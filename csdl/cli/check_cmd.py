from __future__ import annotations

import click

from csdl.cli import EXIT_CLEAN, EXIT_PROBLEMS
from csdl.cli.inputs import sources
from csdl.cli.output import use_color, write_output
from csdl.reporters import MACHINE_FORMATS, REPORTERS, FileResult, count


@click.command()
@click.argument("paths", nargs=-1, metavar="FILE|DIR|-...")
@click.option("--output-format", "--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="full",
              show_default=True, help="How to print the diagnostics.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@click.option("-o", "--output", "output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary line.")
def check(paths, output_format, stdin_filename, output, quiet):
    """Check filters for syntax errors, invalid targets and operators, and lint problems.

    \b
    Examples:
      csdl check filter.csdl
      csdl check filters/ --format concise
      cat filter.csdl | csdl check - --stdin-filename filter.csdl
      csdl check filters/ --format json -o report.json
    """
    from csdl.checker import check as check_text

    results = []
    for source in sources(paths, stdin_filename):
        if source.error is not None:
            results.append(FileResult(source.path, source.text, [source.error]))
            continue
        results.append(FileResult(source.path, source.text, check_text(source.text)))
    text = REPORTERS[output_format](results, color=use_color() and output is None)
    if quiet and output_format not in MACHINE_FORMATS:
        text = "".join(line + "\n" for line in text.splitlines()[:-1]) if text.strip() else text
    write_output(text, output)
    errors, warnings, _ = count(results)
    raise SystemExit(EXIT_PROBLEMS if errors or warnings else EXIT_CLEAN)
