"""Matchers that answer through a SQL engine (csdl.engines) with the Python Matcher's interface,
so that the Python engine's own operator and tag tests run through DuckDB and Spark as well."""

from __future__ import annotations

import io
import json
import os
import tempfile

from csdl.evaluate.matcher import Evaluation, compile_matcher as python_compile_matcher


def _dump(post) -> bytes:
    return json.dumps(post, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class EngineMatcher:
    """``match``/``evaluate`` of one post by running the engine over a one-line JSON Lines file."""

    def __init__(self, engine_run, filter_ast, library=None):
        # The Python matcher refuses what cannot run (R001-R006) at compile time; so must this.
        self._python = python_compile_matcher(filter_ast, library=library)
        self.warnings = self._python.warnings
        self.has_return = self._python.has_return
        self.conditions = self._python.conditions
        self.filter = filter_ast
        self.library = library
        self.engine_run = engine_run

    def evaluate_many(self, posts: list) -> list[Evaluation]:
        """One engine run over all ``posts`` (a JSON Lines file): an Evaluation per post, tags only
        for matching posts (the engines deliver only those)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "posts.jsonl")
            with open(path, "wb") as f:
                for post in posts:
                    f.write(_dump(post))
            sink = io.BytesIO()
            result = self.engine_run(self.filter, path, sink, self.library)
        # the line numbers (1-based) of the matching posts, in order, and (from a _Recorder) the
        # R201 reports of the run: the wrong-typed values met, as the engine reports them
        matched_lines = getattr(result, "numbers", result)
        issues = getattr(result, "issues", {})
        out = [Evaluation(False, [], {}, issues.get(n, [])) for n in range(1, len(posts) + 1)]
        delivered = [json.loads(line) for line in sink.getvalue().splitlines()]
        for number, post in zip(matched_lines, delivered, strict=True):
            interaction = post.get("interaction") if isinstance(post, dict) else None
            tags = interaction.get("tags", []) if isinstance(interaction, dict) else []
            tree = interaction.get("tag_tree", {}) if isinstance(interaction, dict) else {}
            out[number - 1] = Evaluation(True, tags, tree, issues.get(number, []))
        return out

    def match(self, post) -> bool:
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        return self.evaluate_many([post])[0].matched

    def evaluate(self, post) -> Evaluation:
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        ev = self.evaluate_many([post])[0]
        if not ev.matched:
            # The engines tag only what they deliver; a test asking for the tags of a post that
            # does not match gets them from a filter whose return is always true.
            tags, tree, _ = self._tags_anyway(post)
            ev = Evaluation(False, tags, tree, ev.issues)
        return ev

    def _tags_anyway(self, post):
        from csdl.language.parser import parse

        f = self.filter
        if not f.tag_rules and not f.imports:
            return [], {}, []
        statements = "\n".join(f.source[s.span.start:s.span.end] for s in f.statements)
        tagged = parse(statements + "\nreturn { interaction.id exists OR NOT interaction.id exists }")
        twin = EngineMatcher(self.engine_run, tagged, self.library)
        ev = twin.evaluate_many([post])[0]
        return ev.tags, ev.tag_tree, []


def duckdb_runner():
    from csdl.engines import duckdb as engine
    from csdl.engines import inputs

    con = engine.connect(threads=1)

    def run(filter_ast, path, sink, library):
        lines = _Recorder(sink)
        result, _ = engine.run(filter_ast, inputs.resolve(path), lines, library=library, con=con)
        lines.record_issues(result.stats)
        return lines

    return run


class _Recorder:
    """A sink that also notes which input line each delivered post came from (the engines write
    them in input order; the Collector tells us the line through ``note``)."""

    def __init__(self, sink):
        self.sink = sink
        self.numbers: list[int] = []
        self.issues: dict[int, list] = {}

    def write(self, data: bytes) -> None:
        self.sink.write(data)

    def note(self, line: int) -> None:
        self.numbers.append(line)

    def record_issues(self, stats) -> None:
        """The run's R201 reports by line, as ``Evaluation.issues`` holds them (target unknown)."""
        self.issues = {b.line: [(None, b.message)] for b in stats.bad if b.code == "R201"}


def edge_stamp_runs(tmp_path, tree, parquet: bool):
    """(stamp, path, the Python engine's stats) per edge timestamp (engine_strategies.EDGE_STAMPS):
    a file of an ordinary post and one with that stamp, as JSON Lines or (``parquet``) Parquet,
    for an engine's counts and time span to be compared with the Python engine's."""
    from engine_strategies import EDGE_STAMPS

    from csdl.engines import duckdb as duck
    from csdl.evaluate.runner import run as run_python

    for i, stamp in enumerate(EDGE_STAMPS):
        path = str(tmp_path / f"p{i}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for created in ("Mon, 04 Mar 2024 01:07:00 +0000", stamp):
                f.write(json.dumps({"interaction": {"content": "tea", "created_at": created}}) + "\n")
        with open(path, "rb") as lines:
            want = run_python(python_compile_matcher(tree), lines, None).stats
        if parquet:
            duck.write_parquet(path, path + ".parquet")
            path += ".parquet"
        yield stamp, path, want
