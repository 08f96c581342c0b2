"""``csdl run FILTER POSTS``: run a filter locally over JSON Lines posts."""

from __future__ import annotations

import os
import sys

import click

from csdl.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS
from csdl.cli.bill_cmd import _rates
from csdl.cli.common_options import DECIMAL, resolved, shared_options
from csdl.cli.output import log, use_color


class _AtomicSink:
    """Posts streamed to ``path`` through ``csdl.cli.output.AtomicWriter`` (symlinks followed,
    mode kept, devices written directly, a regular file replaced only on success)."""

    def __init__(self, path: str):
        from csdl.cli.output import AtomicWriter

        try:
            self.writer = AtomicWriter(path)
        except OSError as exc:
            raise click.FileError(path, hint=exc.strerror or str(exc)) from None
        self.write = self.writer.write

    def commit(self) -> None:
        self.writer.commit()

    def discard(self) -> None:
        self.writer.discard()


class _Discard:
    def write(self, data: bytes) -> None:
        pass


def _read_filter(path: str):
    from csdl.cli.inputs import read_path, read_stdin

    source = read_stdin(None) if path == "-" else read_path(path)
    if source.error is not None:
        raise click.ClickException(source.error.message)
    return source.path, source.text


def _fail_on_diagnostics(path: str, text: str, diagnostics) -> None:
    from csdl.cli.reporters import REPORTERS, FileResult

    report = REPORTERS["full"]([FileResult(path, text, diagnostics)], color=use_color(sys.stderr))
    click.echo(report, err=True, nl=False)
    click.echo(f"csdl run: {path} cannot run: fix the errors above", err=True)
    raise SystemExit(EXIT_ERROR)


#: A posts file at least this large gets a progress bar on a terminal.
PROGRESS_BYTES = 20 * 1024 * 1024


@click.command()
@click.argument("filter_path", metavar="FILTER")
@click.argument("posts_path", metavar="POSTS")
@click.option("-o", "--output", metavar="FILE", help="Write the matching posts to FILE (atomically) instead of stdout.")
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
@shared_options
def run(filter_path, posts_path, output, output_format, jobs, strict, source_rate, rates, quiet,
        engine, master, memory_limit, library_dir, pricing_file, config_file, isolated):
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
    from csdl.evaluate import compile_matcher
    from csdl.evaluate import report as reporting
    from csdl.evaluate.forecast import forecast as make_forecast
    from csdl.evaluate.posts import PostsError, open_posts
    from csdl.evaluate.runner import StrictFailure
    from csdl.evaluate.runner import run as run_posts

    if filter_path == "-" and posts_path == "-":
        raise click.UsageError("FILTER and POSTS cannot both be standard input")
    rate_table = _rates(rates)
    settings = resolved(library_dir, pricing_file, config_file, isolated)
    library, pricing = settings.library, settings.pricing
    path, text = _read_filter(filter_path)
    try:
        compiled = csdl.compile(text, library=library, pricing=pricing)
        matcher = compile_matcher(compiled.tree, library=library)
    except CSDLError as exc:
        _fail_on_diagnostics(path, text, exc.diagnostics)
    jobs = jobs or os.cpu_count() or 1
    for warning in matcher.warnings:
        log(f"{path}:{warning.span.line}:{warning.span.column}: warning: {warning.code} {warning.message}")
    if not matcher.has_return:
        log(f"{path}: warning: no return block: a tag-only filter delivers nothing, so nothing matches")
    from csdl.cli.engine_run import default_engine, run_on_engine

    if (engine or default_engine(posts_path)) != "python":  # SQL engines (csdl.engines): same outputs
        run_on_engine(engine or default_engine(posts_path), sinks=(_AtomicSink, _Discard), tree=compiled.tree, path=path, posts_path=posts_path, output=output,
                      output_format=output_format, strict=strict, quiet=quiet, source_rate=source_rate, rate_table=rate_table,
                      compiled=compiled, matcher=matcher, pricing=pricing, library=library, master=master,
                      memory_limit=memory_limit)

    try:
        posts = open_posts(posts_path)
    except PostsError as exc:
        raise click.ClickException(str(exc)) from None
    shown_posts = "<stdin>" if posts_path == "-" else posts_path
    if output:
        sink = _AtomicSink(output)
    elif output_format == "posts":
        sink = sys.stdout.buffer
    else:
        sink = None  # the runner then writes nothing and builds no matched lines (only counts)
    try:
        import gzip

        plain_file = posts_path != "-" and not isinstance(posts, gzip.GzipFile) and os.path.isfile(posts_path)
        from csdl.cli.output import counted, progress

        size = os.path.getsize(posts_path) if plain_file else 0
        # a bar for a large plain file on a terminal; the parent then reads the lines (to count them)
        with progress(size, "Running", quiet=quiet or output_format == "json", minimum=PROGRESS_BYTES) as bar:
            shown = bar is not None and hasattr(bar, "render_progress")  # a real click bar
            result = run_posts(matcher, counted(posts, bar) if shown else posts, sink, jobs=jobs, strict=strict,
                               filter_text=text, library=library.directory if library is not None else None,
                               path=posts_path if plain_file and jobs > 1 and not shown else None)
    except StrictFailure as exc:
        if output:
            sink.discard()
        bad = exc.bad
        log(f"{shown_posts}:{bad.line}: {bad.code} {bad.message}")
        log(f"csdl run: stopped at the first bad post (--strict){'; ' + output + ' not written' if output else ''}")
        raise SystemExit(EXIT_PROBLEMS)
    except BrokenPipeError:
        raise  # the reader of stdout went away (`| head`): main() exits quietly, nothing to report
    except (OSError, EOFError) as exc:
        if output:
            sink.discard()
        raise click.ClickException(f"{shown_posts}: cannot read: {exc}") from None
    except BaseException:
        if output:
            sink.discard()
        raise
    finally:
        posts.close()
    if output:
        sink.commit()
    elif output_format == "posts":
        sys.stdout.buffer.flush()

    fc = make_forecast(result.stats, source_rate=source_rate, dpu=compiled.dpu, dpu_complete=compiled.complete,
                       pricing=pricing, rates=rate_table)
    data = reporting.summary(filter_path=path, posts_path=shown_posts, matcher=matcher, result=result, forecast=fc,
                             warnings=matcher.warnings)
    if output_format == "json":
        import json

        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format == "text":
        click.echo(reporting.render_text(data), nl=False)
    elif not quiet:
        click.echo(reporting.render_text(data), err=True, nl=False)
    if not quiet:
        for line in reporting.bad_lines(data, shown_posts):
            log(line)
    elif data["bad_posts"]["count"]:
        log(f"csdl run: {data['bad_posts']['count']:,} bad posts in {shown_posts}")
    raise SystemExit(EXIT_CLEAN)
