"""``csdl run --engine duckdb|spark``: the same run on a SQL engine (csdl.engines), with the same
outputs as the Python engine: matching posts (tagged) on stdout or in ``-o``, the summary, the
forecast and the bad posts with their line numbers."""

from __future__ import annotations

import os
import sys

import click

from csdl.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_PROBLEMS
from csdl.cli.output import log

ENGINES = ("python", "duckdb", "spark")


def default_engine(posts_path: str) -> str:
    """DuckDB for Parquet, a directory or a glob (the Python engine reads one file or stdin);
    the Python engine for a JSON Lines file."""
    if posts_path == "-":
        return "python"
    if os.path.isdir(posts_path) or (any(ch in posts_path for ch in "*?[") and not os.path.exists(posts_path)):
        return "duckdb"
    from csdl.engines.inputs import PARQUET, kind_of

    return "duckdb" if os.path.isfile(posts_path) and kind_of(posts_path) == PARQUET else "python"


def _fail(message: str) -> None:
    log(f"csdl: error: {message}")
    raise SystemExit(EXIT_ERROR)


def run_on_engine(engine: str, *, sinks, tree, path: str, posts_path: str, output, output_format: str, strict: bool, quiet: bool,
                  source_rate, rate_table, compiled, matcher, pricing, library, master, memory_limit) -> bool:
    """Run and report, then exit. ``sinks``: (atomic file sink class, discarding sink class). Returns False (nothing done) when the Python engine must read
    this JSON Lines file instead (DuckDB's line reader would not number its lines as Python does)."""
    from csdl.engines import EngineError, inputs
    from csdl.extras import require_extra

    require_extra(engine, purpose=f"csdl run --engine {engine}")

    try:
        data = inputs.resolve(posts_path)
    except EngineError as exc:
        _fail(str(exc))
    if output and output.lower().endswith(".parquet") and engine != "duckdb":
        _fail("-o FILE.parquet needs --engine duckdb")
    if data.kind == inputs.JSONL:
        from csdl.engines.duckdb import check_lines

        try:
            reason = check_lines(data)
        except EngineError as exc:
            _fail(str(exc))
        if reason:
            if len(data.files) > 1 or output and output.lower().endswith(".parquet"):
                _fail(f"{reason}, which {engine}'s line reader would number differently; run that file with --engine python")
            log(f"csdl run: {reason}: {engine}'s line reader would number its lines differently, so the python engine runs it")
            return False

    _AtomicSink, _Discard = sinks  # run_cmd's own (atomic -o FILE; nothing)
    parquet_out = bool(output and output.lower().endswith(".parquet"))
    if parquet_out:
        sink = _ParquetSink(output)
    elif output:
        sink = _AtomicSink(output)
    elif output_format == "posts":
        sink = sys.stdout.buffer
    else:
        sink = _Discard()
    try:
        if engine == "duckdb":
            from csdl.engines import duckdb as runner

            result, prepared = runner.run(tree, data, sink, library=library, memory_limit=memory_limit,
                                          want_posts=bool(output) or output_format == "posts")
        else:
            from csdl.engines import spark as runner

            result, prepared = runner.run(tree, data, sink, library=library, master=master,
                                          want_posts=bool(output) or output_format == "posts")
    except EngineError as exc:
        if output:
            sink.discard()
        _fail(str(exc))
    except BaseException:
        if output:
            sink.discard()
        raise
    stats = result.stats
    # No per-condition timings on an engine: the summary's "slowest conditions" stays empty.
    stats.cond_calls = [0] * len(matcher.conditions)
    stats.cond_seconds = [0.0] * len(matcher.conditions)
    if strict and stats.bad:
        if output:
            sink.discard()
        bad = stats.bad[0]
        log(f"{posts_path}:{bad.line}: {bad.code} {bad.message}")
        log(f"csdl run: a bad post (--strict){'; ' + output + ' not written' if output else ''}")
        raise SystemExit(EXIT_PROBLEMS)
    if output:
        try:
            sink.commit()
        except EngineError as exc:
            _fail(str(exc))
    elif output_format == "posts":
        sys.stdout.buffer.flush()

    from csdl.evaluate import report as reporting
    from csdl.evaluate.forecast import forecast as make_forecast

    fc = make_forecast(stats, source_rate=source_rate, dpu=compiled.dpu, dpu_complete=compiled.complete,
                       pricing=pricing, rates=rate_table)
    summary = reporting.summary(filter_path=path, posts_path=posts_path, matcher=matcher, result=result, forecast=fc,
                                warnings=matcher.warnings)
    summary["engine"] = {
        "name": engine,
        "version": result.codec,
        "files": len(data.files),
        "format": data.kind,
        "conditions": [d.to_dict() for d in prepared.plan.decisions],
    }
    summary["speed"]["json"] = None if data.kind == inputs.PARQUET else engine
    if output_format == "json":
        import json

        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    elif output_format == "text":
        click.echo(reporting.render_text(summary), nl=False)
    elif not quiet:
        click.echo(reporting.render_text(summary), err=True, nl=False)
    udfs = sum(1 for d in prepared.plan.decisions if d.mode == "udf")
    if not quiet and udfs:
        log(f"csdl run: {udfs} condition(s) ran on our matcher (a UDF) for every post; csdl sql --explain says which and why")
    if not quiet:
        for line in reporting.bad_lines(summary, posts_path):
            log(line)
    elif summary["bad_posts"]["count"]:
        log(f"csdl run: {summary['bad_posts']['count']:,} bad posts in {posts_path}")
    raise SystemExit(EXIT_CLEAN)


class _ParquetSink:
    """Matching posts collected as JSON Lines in a temporary file, converted to Parquet by
    DuckDB when the run ends, and renamed over the target only then."""

    def __init__(self, path: str):
        import tempfile

        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        fd, self.jsonl = tempfile.mkstemp(suffix=".jsonl", dir=directory, prefix=f".{os.path.basename(path)}.")
        self.file = os.fdopen(fd, "wb")
        self.write = self.file.write
        self.count = 0

    def commit(self) -> None:
        from csdl.engines.duckdb import write_parquet

        import shutil

        from csdl.cli.output import AtomicWriter

        self.file.close()
        # DuckDB writes a file of its own; its bytes then reach the target through the same
        # no-clobber writer as every other -o (a symlink stays a link, the target keeps its mode).
        tmp = f"{self.jsonl}.parquet"
        try:
            write_parquet(self.jsonl, tmp)
            writer = AtomicWriter(self.path)
            try:
                with open(tmp, "rb") as parquet:
                    shutil.copyfileobj(parquet, writer.file)
            except BaseException:
                writer.discard()
                raise
            writer.commit()
        finally:
            for leftover in (tmp, self.jsonl):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def discard(self) -> None:
        self.file.close()
        if os.path.exists(self.jsonl):
            os.unlink(self.jsonl)
