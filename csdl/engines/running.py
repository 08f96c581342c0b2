"""One run call for every engine: ``run(filter, posts, engine=...)`` returns a ``RunSummary``.

The command line (``csdl run``, every engine), the workbench preview, the emulator's preview and
``csdl.engines.spark_submit`` only render what this returns: counts, tags, bad lines with their
codes, the forecast, timing and what the engine was. Writing posts is the caller's: ``output`` is
any object with ``write(bytes)`` (the command line's no-clobber writer, a Parquet writer, a list
of the first matches); None counts only.
"""

from __future__ import annotations

import contextlib
import os

ENGINES = ("python", "duckdb", "spark")


class RunError(Exception):
    """The run cannot start or go on: posts that cannot be read, an engine that cannot start
    (a missing extra, no Java). The message is for people."""


class _Discard:
    def write(self, data: bytes) -> None:
        pass


@contextlib.contextmanager
def _quiet_stderr(enabled: bool):
    """File descriptor 2 sent to an unnamed temporary file while Spark starts and runs: the JVM
    it spawns inherits that descriptor, so its log4j and native-library warnings (seven lines or
    so before any result) never reach the terminal. Our own messages come after, on the real stderr."""
    if not enabled:
        yield
        return
    import sys
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def default_engine(posts) -> str:
    """DuckDB for Parquet, a directory or a glob (the Python engine reads one file or stdin);
    the Python engine for a JSON Lines file and for lines given in memory."""
    if not isinstance(posts, (str, os.PathLike)):
        return "python"
    path = os.fspath(posts)
    if path == "-":
        return "python"
    if os.path.isdir(path) or (any(ch in path for ch in "*?[") and not os.path.exists(path)):
        return "duckdb"
    from csdl.engines.inputs import PARQUET, kind_of

    return "duckdb" if os.path.isfile(path) and kind_of(path) == PARQUET else "python"


def _compiled(filter, library, pricing):
    """A ``csdl.compiler.Compiled`` for CSDL text, a parsed ``Filter`` or a ``Compiled``."""
    from csdl.compiler import Compiled, compile as compile_text, cost_tree
    from csdl.language import ast
    from csdl.language.canonical import canonical_text, text_hash

    if isinstance(filter, Compiled):
        return filter
    if isinstance(filter, ast.Filter):  # parsed (and checked, if at all) by the caller: costed as it is
        from csdl.library import resolve

        canonical = canonical_text(filter)
        resolved = resolve(filter, library)
        compiled = Compiled(canonical, text_hash(canonical), cost_tree(filter, library=resolved, pricing=pricing), filter,
                            library)
        compiled.resolved = resolved
        return compiled
    if not isinstance(filter, str):
        raise TypeError(f"run takes CSDL text, a csdl.Filter or a compiled filter, not {type(filter).__name__}")
    return compile_text(filter, library=library, pricing=pricing)


def run(filter, posts, *, engine: str | None = None, output=None, library=None, pricing=None, rates=None,
        source_rate=None, jobs: int = 1, strict: bool = False, master: str | None = None,
        memory_limit: str | None = None, filter_name: str = "(filter)", posts_name: str | None = None,
        progress=None, engine_logs: bool = False, spark_session=None):
    """Run ``filter`` (CSDL text, a ``csdl.Filter`` or a ``Compiled``) over ``posts`` and return
    a ``csdl.evaluate.report.RunSummary``.

    ``posts``: a path (JSON Lines, gzip, Parquet, a directory or a glob; ``-`` is standard input)
    or, for the Python engine, an iterable of lines (bytes). ``engine``: ``python``, ``duckdb`` or
    ``spark`` (default: by the posts, see ``default_engine``). ``output``: ``write(bytes)`` receives
    the matching posts as JSON Lines, tagged (None: count only). ``library`` resolves ``stream``/
    ``tags`` hashes; ``pricing``, ``rates`` (licence fee per source) and ``source_rate`` (posts per
    hour) price the forecast; ``jobs`` worker processes (Python engine); ``strict``: the first bad
    post raises ``csdl.evaluate.runner.StrictFailure``; ``master`` (Spark), ``memory_limit``
    (DuckDB); ``progress``: a function wrapping the lines read (a progress bar); ``engine_logs``:
    let Spark's JVM write its own log and warnings to stderr (by default they are kept out of it);
    ``spark_session``: an existing SparkSession to run on (``spark-submit``'s own) instead of ``master``.

    Raises ``csdl.CSDLError`` for a filter that cannot run (its diagnostics say why), ``RunError``
    for posts or an engine that cannot be used, ``ValueError`` for an unknown engine."""
    from csdl.evaluate import compile_matcher
    from csdl.library import resolve

    compiled = _compiled(filter, library, pricing)
    # the references as the cost model resolved them (csdl.compile keeps them), else resolved now
    resolved = resolve(compiled.tree, getattr(compiled, "resolved", None) or library).require()
    matcher = compile_matcher(compiled.tree, library=resolved)
    chosen = engine or default_engine(posts)
    if chosen not in ENGINES:
        raise ValueError(f"unknown engine {chosen!r} (known: {', '.join(ENGINES)})")
    shown = posts_name or ("<stdin>" if posts == "-" else os.fspath(posts) if isinstance(posts, (str, os.PathLike)) else "(posts)")
    notes: list[str] = []
    engine_info = None
    if chosen != "python":
        if not isinstance(posts, (str, os.PathLike)) or posts == "-":
            raise RunError(f"the {chosen} engine reads files: give a path, not lines or standard input")
        from csdl.extras import require_extra

        require_extra(chosen, purpose=f"the {chosen} engine")  # MissingExtra names what to install
        with _quiet_stderr(chosen == "spark" and not engine_logs):
            ran = _run_sql(chosen, compiled.tree, resolved, os.fspath(posts), output, matcher=matcher, strict=strict,
                           master=master, memory_limit=memory_limit, notes=notes, spark_session=spark_session)
        if ran is not None:
            result, engine_info = ran
            if jobs > 1:
                notes.append(f"{jobs} jobs asked: only the python engine runs worker processes ({chosen} runs in parallel its own way)")
    if engine_info is None:
        result = _run_python(matcher, compiled.csdl, posts, output, shown=shown, jobs=jobs, strict=strict,
                             library=library, progress=progress)
    return _summary(compiled, matcher, result, engine_info, notes, filter_name=filter_name, posts_name=shown,
                    pricing=pricing, rates=rates, source_rate=source_rate)


def _summary(compiled, matcher, result, engine_info, notes, *, filter_name, posts_name, pricing, rates, source_rate):
    from csdl.evaluate.forecast import forecast
    from csdl.evaluate.report import RunSummary

    fc = forecast(result.stats, source_rate=source_rate, dpu=compiled.dpu, dpu_complete=compiled.complete,
                  pricing=pricing, rates=rates)
    return RunSummary(filter_name=filter_name, posts_name=posts_name, matcher=matcher, result=result, forecast=fc,
                      warnings=matcher.warnings, engine=engine_info, notes=notes, hash=compiled.hash)


def _library_directory(library) -> str | None:
    if library is None or isinstance(library, (str, os.PathLike)):
        return None if library is None else os.fspath(library)
    directory = getattr(library, "directory", None)
    return directory if isinstance(directory, str) and os.path.isdir(directory) else None


def _run_python(matcher, text: str, posts, output, *, shown: str, jobs: int, strict: bool, library, progress):
    import gzip

    from csdl.evaluate.posts import PostsError, open_posts
    from csdl.evaluate.runner import run as run_posts

    path = os.fspath(posts) if isinstance(posts, (str, os.PathLike)) else None
    if path is None:
        lines = posts
    else:
        try:
            lines = open_posts(path)
        except PostsError as exc:
            raise RunError(str(exc)) from None
    plain = path not in (None, "-") and not isinstance(lines, gzip.GzipFile) and os.path.isfile(path)
    try:
        # workers read their own byte ranges of a plain file (unless a progress bar counts the lines)
        return run_posts(matcher, progress(lines) if progress else lines, output, jobs=max(1, jobs), strict=strict,
                         filter_text=text, library=_library_directory(library),
                         path=path if plain and jobs > 1 and progress is None else None)
    except BrokenPipeError:
        raise  # the reader of the output went away: the caller's to handle
    except (OSError, EOFError) as exc:
        raise RunError(f"{shown}: cannot read: {exc}") from None
    finally:
        if path is not None:
            lines.close()


def _python_instead(engine: str, reason: str, notes: list) -> None:
    notes.append(f"{reason}: {engine}'s line reader would number its lines differently, so the python engine runs it")
    return None


def _run_sql(engine: str, tree, resolved, posts: str, output, *, matcher, strict: bool, master, memory_limit, notes,
             spark_session=None):
    """(Result, engine facts) from DuckDB or Spark; None when the Python engine must read this
    JSON Lines file instead (the engine's line reader would not number its lines as ours)."""
    from csdl.engines import EngineError, inputs
    from csdl.evaluate.runner import StrictFailure

    try:
        data = inputs.resolve(posts)
        # One DuckDB file is checked by the engine as it reads it (before it writes anything);
        # several files, or Spark, before the run, so that no file's posts are written first.
        if data.kind == inputs.JSONL and (engine != "duckdb" or len(data.files) > 1):
            from csdl.engines.duckdb import check_lines

            reason = check_lines(data)
            if reason:
                if len(data.files) > 1:
                    raise RunError(f"{reason}, which {engine}'s line reader would number differently; "
                                   "run that file with --engine python")
                return _python_instead(engine, reason, notes)
        want = output is not None
        sink = output if want else _Discard()
        if engine == "duckdb":
            from csdl.engines import duckdb as runner

            try:
                result, prepared = runner.run(tree, data, sink, library=resolved, memory_limit=memory_limit, want_posts=want)
            except runner.LinesNeedPython as exc:
                return _python_instead(engine, str(exc), notes)
        else:
            from csdl.engines import spark as runner

            result, prepared = runner.run(tree, data, sink, library=resolved, master=master, spark=spark_session,
                                          want_posts=want)
    except EngineError as exc:
        raise RunError(str(exc)) from None
    stats = result.stats
    # No per-condition timings on an engine: the summary's "slowest conditions" stays empty.
    stats.cond_calls = [0] * len(matcher.conditions)
    stats.cond_seconds = [0.0] * len(matcher.conditions)
    if strict and stats.bad:
        raise StrictFailure(stats.bad[0])
    udfs = sum(1 for d in prepared.plan.decisions if d.mode == "udf")
    if udfs:
        notes.append(f"{udfs} condition(s) ran on our matcher (a UDF) for every post; csdl sql --explain says which and why")
    info = {"name": engine, "version": result.codec, "files": len(data.files), "format": data.kind,
            "conditions": [d.to_dict() for d in prepared.plan.decisions]}
    return result, info
