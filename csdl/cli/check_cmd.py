from __future__ import annotations

import click

from csdl.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS
from csdl.cli.inputs import sources, with_progress
from csdl.cli.output import error, use_color, write_output
from csdl.cli.reporters import MACHINE_FORMATS, REPORTERS, FileResult, count


@click.command()
@click.argument("paths", nargs=-1, metavar="FILE|DIR|-...")
@click.option("--output-format", "--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="full",
              show_default=True, help="How to print the diagnostics.")
@click.option("--select", multiple=True, metavar="CODES",
              help="Report only these codes or prefixes (comma-separated, e.g. E,W1); replaces the configured list.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Report these codes in addition to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Do not report these codes or prefixes (e.g. W205,W3).")
@click.option("--platform", type=click.Choice(["stream", "pylon"]), default=None,
              help="stream: interaction filter (default); pylon: PYLON query filter.")
@click.option("--kind", type=click.Choice(["source-create", "source-update", "data365-tasks"]), default=None,
              help="Check .json inputs (and standard input) as this payload kind instead of telling it from the body.")
@click.option("--data365-source", metavar="NAME", help="The Data365 source of data365-tasks bodies (e.g. twitter_keywords).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The date the payload date rules count from (token expiry, task expiry), for reproducible runs.")
@click.option("--previous", metavar="OLD.json",
              help="The previous state of the source (create response or last update), to compare update bodies with.")
@click.option("--config", "config_path", metavar="PATH", help="Read settings from this file (csdl.toml or pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--no-noqa", "ignore_noqa", is_flag=True, help="Ignore `// noqa` comments.")
@click.option("--stdin-filename", metavar="NAME", help="The name to report for standard input.")
@click.option("-o", "--output", "output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary line.")
@click.option("--fix", "fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, --diff or --fix-only: apply unsafe fixes too.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a diff instead of writing them (exit 1 if any).")
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report nothing else (exit 0).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (usage errors still exit 2).")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Skip files and folders matching GLOB when walking directories (.gitignore is respected too).")
def check(paths, output_format, select, extend_select, ignore, platform, config_path, isolated, ignore_noqa,
          kind, data365_source, today, previous,
          stdin_filename, output, quiet, fix, unsafe_fixes, show_diff, fix_only, exit_zero, exclude):
    """Check filters for syntax errors, invalid targets and operators, and lint problems.

    Payload files (.json) are checked too: DataSift Managed Sources create and update bodies and
    Data365 tasks bodies (P codes), their kind told from the body, --kind or the configuration.

    Settings come from the closest csdl.toml or pyproject.toml [tool.csdl]; options override them.
    `csdl rules` lists every code; `csdl rule CODE` explains one.

    \b
    Examples:
      csdl check filter.csdl
      csdl check filters/ --format concise --ignore W3
      csdl check query.csdl --platform pylon
      cat filter.csdl | csdl check - --stdin-filename filter.csdl
      csdl check filters/ --format sarif -o report.sarif
      csdl check sources/news.json --today 2024-01-15
      csdl check update.json --previous created.json
      cat tasks.json | csdl check - --kind data365-tasks --data365-source twitter_keywords
      csdl check filters/ --fix                 apply the safe fixes
      csdl check filter.csdl --diff --unsafe-fixes
    """
    from csdl.checking.selection import SelectionError
    from csdl.cli.payload_inputs import PAYLOAD_EXTENSION, PayloadInputs, check_selectors
    from csdl.config import ConfigError, PerFolder

    per_folder = PerFolder(config_path=config_path, isolated=isolated, platform=platform, select=select,
                           extend_select=extend_select, ignore=ignore, noqa=not ignore_noqa)
    fixing = Fixing(unsafe=unsafe_fixes, diff=show_diff) if fix or show_diff or fix_only else None
    payload_inputs = PayloadInputs(paths, kind=kind, data365_source=data365_source, today=today,
                                   previous_path=previous, stdin_filename=stdin_filename)
    results = []
    try:
        check_selectors(select, extend_select, ignore)
        walked = sources(paths, stdin_filename, (".csdl", PAYLOAD_EXTENSION), exclude=exclude)
        for source in with_progress(walked, paths, (".csdl", PAYLOAD_EXTENSION), exclude, "Checking",
                                    quiet=quiet, machine=output_format in MACHINE_FORMATS):
            result = _check_source(source, per_folder, payload_inputs, fixing)
            if result is not None:
                results.append(result)
    except (ConfigError, SelectionError) as exc:
        error(str(exc))
        raise SystemExit(EXIT_ERROR) from None
    except OSError as exc:  # a fixed file could not be written back
        error(f"cannot write {exc.filename}: {exc.strerror or exc}")
        raise SystemExit(EXIT_ERROR) from None
    if fixing is not None and (show_diff or fix_only):
        fixing.report_only(results, quiet=quiet, exit_zero=exit_zero)
    payload_inputs.note_skipped()
    _write_report(results, output_format, output, quiet, to_stderr=fixing is not None and fixing.stdin_fixed)
    if fixing is not None and not quiet:
        click.echo(fixing.tally.summary(sum(len(r.diagnostics) for r in results), would=False), err=True)
    errors, warnings, _ = count(results)
    raise SystemExit(EXIT_PROBLEMS if (errors or warnings) and not exit_zero else EXIT_CLEAN)


class Fixing:
    """``--fix``, ``--diff`` or ``--fix-only``: how to fix, what was fixed (``tally``), and whether
    the fixed standard input went to stdout (the report then goes to stderr, as ruff does)."""

    def __init__(self, *, unsafe: bool, diff: bool):
        from csdl.cli.fixing import FixTally

        self.unsafe = unsafe
        self.diff = diff
        self.tally = FixTally()
        self.stdin_fixed = False

    def result(self, source, fixed) -> FileResult:
        """The report of a fixed ``source``; fixed standard input is echoed (unless ``--diff``)."""
        if source.is_stdin and not self.diff:
            click.echo(fixed.text, nl=False)
            self.stdin_fixed = True
        return FileResult(source.path, fixed.text, fixed.remaining)

    def report_only(self, results, *, quiet: bool, exit_zero: bool):
        """``--diff`` and ``--fix-only``: the diffs and the summary line, then exit."""
        if self.diff:
            from csdl.cli.fixing import print_diffs

            print_diffs(self.tally)
        if not quiet:
            remaining = sum(len(r.diagnostics) for r in results)
            click.echo(self.tally.summary(remaining, would=self.diff), err=True)
        raise SystemExit(EXIT_PROBLEMS if self.diff and self.tally.fixed and not exit_zero else EXIT_CLEAN)


def _check_source(source, per_folder, payload_inputs, fixing: Fixing | None) -> FileResult | None:
    """The report of one input: unreadable, a payload, or a filter; checked, or fixed first."""
    if source.error is not None:
        return FileResult(source.path, source.text, [source.error])
    path = None if source.is_stdin else source.path
    settings = per_folder.for_path(path)
    config, checks = settings.config, settings.checks(path)  # the per-file ignores included
    if payload_inputs.is_payload(source, config):
        if fixing is None:
            return payload_inputs.check(source, config, checks)
        fixed = payload_inputs.fix(source, config, checks, unsafe=fixing.unsafe, diff=fixing.diff,
                                   tally=fixing.tally)
        return fixing.result(source, fixed) if fixed is not None else None
    if fixing is not None:
        from csdl.cli.fixing import fix_source

        fixed = fix_source(source, checks, unsafe=fixing.unsafe, diff=fixing.diff, tally=fixing.tally)
        return fixing.result(source, fixed)
    from csdl.checking.checker import check as check_text

    return FileResult(source.path, source.text, check_text(source.text, **checks))


def _write_report(results, output_format: str, output: str | None, quiet: bool, *, to_stderr: bool) -> None:
    text = REPORTERS[output_format](results, color=use_color() and output is None)
    if quiet and output_format not in MACHINE_FORMATS:
        text = "".join(line + "\n" for line in text.splitlines()[:-1]) if text.strip() else text
    if to_stderr and output is None:
        click.echo(text, nl=False, err=True)
    else:
        write_output(text, output)
