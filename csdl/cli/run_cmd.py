"""``csdl run FILTER POSTS``: run a filter locally over posts, on any engine. The run itself is
``csdl.run`` (``csdl.engines.running``); this command chooses where posts go and renders the summary."""

from __future__ import annotations

import os
import sys

import click

from csdl.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS
from csdl.cli.common_options import DECIMAL, parse_rates, resolved, shared_options
from csdl.cli.output import error, log, note, use_color, warning


def read_filter(path: str):
    """(shown path, text) of the filter file (``-``: standard input); a usage error when unreadable."""
    from csdl.cli.inputs import single_source

    source = single_source(path)
    if source.error is not None:
        raise click.ClickException(source.error.message)
    return source.path, source.text


def fail_on_diagnostics(path: str, text: str, diagnostics) -> None:
    """The filter's problems, as ``csdl check`` shows them, then exit 2."""
    from csdl.cli.reporters import REPORTERS, FileResult

    report = REPORTERS["full"]([FileResult(path, text, diagnostics)], color=use_color(sys.stderr))
    click.echo(report, err=True, nl=False)
    error(f"{path} cannot run: fix the problems above")
    raise SystemExit(EXIT_ERROR)


def _posts_output(output, output_format):
    """(where matching posts go, the writer to commit or discard)."""
    if output:
        from csdl.cli.output import posts_writer

        try:
            writer = posts_writer(output)
        except OSError as exc:
            raise click.FileError(output, hint=exc.strerror or str(exc)) from None
        return writer, writer
    if output_format == "posts":
        return sys.stdout.buffer, None
    return None, None  # the summary only: the run builds no matched lines


#: A posts file at least this large gets a progress bar on a terminal.
PROGRESS_BYTES = 20 * 1024 * 1024


@click.command()
@click.argument("filter_path", metavar="FILTER")
@click.argument("posts_path", metavar="POSTS")
@click.option("-o", "--output", metavar="FILE",
              help="Write the matching posts to FILE (atomically) instead of stdout: Parquet for *.parquet "
                   "(needs the duckdb extra), JSON Lines otherwise.")
@click.option("--format", "output_format", type=click.Choice(["posts", "text", "json"]), default="posts", show_default=True,
              help="posts: matching posts as JSON Lines on stdout, summary on stderr. "
                   "text/json: the summary on stdout (posts only with -o).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0 = one per CPU).")
@click.option("--strict", is_flag=True, help="Stop with exit code 1 at the first bad post; -o is then not written.")
@click.option("--source-rate", type=DECIMAL, metavar="POSTS_PER_HOUR",
              help="The source's volume for the forecast, instead of the sample's time span.")
@click.option("--rate", "rates", multiple=True, metavar="SOURCE=PRICE",
              help="Licence fee per delivered object for a source (overrides the pricing file); repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr (bad posts are still counted in one line).")
@click.option("--engine", type=click.Choice(["python", "duckdb", "spark"]), default=None,
              help="Who evaluates: python (JSON Lines default), duckdb (Parquet, directory and glob default), spark.")
@click.option("--master", metavar="URL", help="Spark master (default local[*]); with --engine spark.")
@click.option("--memory-limit", metavar="SIZE", help="DuckDB's memory_limit, e.g. 2GB; with --engine duckdb.")
@click.option("-v", "--verbose", is_flag=True, help="Let the engine speak: Spark's JVM and log4j messages on stderr.")
@shared_options
def run(filter_path, posts_path, output, output_format, jobs, strict, source_rate, rates, quiet,
        engine, master, memory_limit, verbose, library_dir, pricing_file, config_file, isolated):
    """Run FILTER over POSTS (JSON Lines, optionally gzipped; - for stdin) and forecast what the
    stream would deliver and cost.

    \b
    Examples:
      csdl run filter.csdl examples/posts.jsonl -o matched.jsonl
      csdl run filter.csdl posts.jsonl.gz --format json > summary.json
      csdl run filter.csdl big.jsonl --jobs 4 --source-rate 250000 --format text

    Exit codes: 0 done (bad posts are reported, not fatal), 1 a bad post with --strict,
    2 usage error, a filter that cannot run or an unreadable posts file.
    """
    import csdl
    from csdl.diagnostics import CSDLError
    from csdl.engines.running import RunError
    from csdl.evaluate.runner import StrictFailure

    if filter_path == "-" and posts_path == "-":
        raise click.UsageError("FILTER and POSTS cannot both be standard input")
    rate_table = parse_rates(rates)
    settings = resolved(library_dir, pricing_file, config_file, isolated)
    path, text = read_filter(filter_path)
    shown_posts = "<stdin>" if posts_path == "-" else posts_path
    sink, writer = _posts_output(output, output_format)
    try:
        with _progress(posts_path, engine, quiet or output_format == "json") as wrap:
            summary = csdl.run(text, posts_path, engine=engine, output=sink, library=settings.library,
                               pricing=settings.pricing, rates=rate_table, source_rate=source_rate,
                               jobs=jobs or os.cpu_count() or 1, strict=strict, master=master,
                               memory_limit=memory_limit, filter_name=path, posts_name=shown_posts, progress=wrap,
                               engine_logs=verbose)
        if writer is not None:
            writer.commit()
    except CSDLError as exc:
        _discard(writer)
        fail_on_diagnostics(path, text, exc.diagnostics)
    except StrictFailure as exc:
        _discard(writer)
        log(f"{shown_posts}:{exc.bad.line}: {exc.bad.code} {exc.bad.message}")
        error(f"stopped at the first bad post (--strict){'; ' + output + ' not written' if output else ''}")
        raise SystemExit(EXIT_PROBLEMS) from None
    except RunError as exc:
        _discard(writer)
        from csdl.cli.output import UsageProblem

        raise UsageProblem(str(exc)) from None
    except BaseException:
        _discard(writer)
        raise
    if sink is sys.stdout.buffer:
        sys.stdout.buffer.flush()
    _render(summary, output_format, quiet, shown_posts)
    raise SystemExit(EXIT_CLEAN)


def _discard(writer) -> None:
    if writer is not None:
        writer.discard()


def _render(summary, output_format: str, quiet: bool, shown_posts: str) -> None:
    path = summary.filter_name
    for found in summary.warnings:
        log(found.one_line(path, severity=True))
    if not summary.matcher.has_return:
        log(f"{path}: warning: no return block: a tag-only filter delivers nothing, so nothing matches")
    data = summary.to_dict()
    if output_format == "json":
        import json

        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format == "text":
        click.echo(summary.render_text(), nl=False)
    elif not quiet:
        click.echo(summary.render_text(), err=True, nl=False)
    if not quiet:
        for text in summary.notes:
            note(str(text))
        for line in summary.bad_lines():
            log(line)
    elif summary.bad_count:
        warning(f"{summary.bad_count:,} bad posts in {shown_posts}")


class _progress:
    """A progress bar over a large plain JSON Lines file read by the Python engine on a
    terminal: a function wrapping the lines read (None when no bar is shown)."""

    def __init__(self, posts_path: str, engine, quiet: bool):
        from csdl.engines.running import default_engine

        self.size = 0
        if posts_path != "-" and (engine or default_engine(posts_path)) == "python" and os.path.isfile(posts_path):
            with open(posts_path, "rb") as f:
                self.size = 0 if f.read(2) == b"\x1f\x8b" else os.path.getsize(posts_path)
        self.quiet = quiet
        self.bar = None

    def __enter__(self):
        from csdl.cli.output import counted, progress

        self.context = progress(self.size, "Running", quiet=self.quiet, minimum=PROGRESS_BYTES)
        self.bar = self.context.__enter__()
        if self.bar is None or not hasattr(self.bar, "render_progress"):  # no real click bar
            return None
        return lambda lines: counted(lines, self.bar)

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)
