"""Turning an engine's result rows into what the Python engine gives: the matching posts as JSON
Lines (tagged as the Python engine tags them), and a ``Stats`` for the same summary, forecast and
bad-post report (``csdl.evaluate.report``).

Each engine yields record batches with these columns:
``_file`` (index into the file list), ``_n`` (line or row number in that file), ``_status``
(0 blank, 1 not JSON, 2 not an object, 3 a post), ``_created`` (interaction.created_at when it is
text), ``_epoch`` (its seconds when SQL could read the common shape), ``_source``
(interaction.type), ``_matched``, ``_out`` (the post's JSON, for matched and bad rows) and one
boolean per tag rule.
"""

from __future__ import annotations

import json

from csdl.evaluate.posts import BOM, INVALID_JSON, NOT_OBJECT, BadPost, codec, describe_error
from csdl.evaluate.runner import Result, Stats, _count_tags
from csdl.evaluate.tags import TagPlan
from csdl.evaluate.timestamps import to_epoch

BLANK, NOT_JSON, NOT_AN_OBJECT, POST = 0, 1, 2, 3


class Collector:
    """Folds batches into a Stats and writes matched posts to ``sink`` in input order."""

    def __init__(self, plan, files: list[str], sink, *, nulls_are_absent: bool = False, fallback=None):
        self.files = files
        self.sink = sink
        self.stats = Stats(0)
        self.loads, self.dumps, self.codec_name = codec()
        # TagPlan itself decides names, scores and conflicts: rule i holds when column i is true.
        self.tag_plan = TagPlan([(t.namespace, t.name, t.score, (lambda row, memo, i=i: row[i])) for i, t in enumerate(plan.tags)])
        self.tag_columns = [t.column for t in plan.tags]
        self.nulls_are_absent = nulls_are_absent  # Parquet rows: a NULL field is a key the post did not have
        self.fallback = fallback  # the Python matcher, for posts only our decoder reads
        self.last = (-1, 0)
        self.pending: list[tuple] = []  # posts that arrived out of order (then sorted at the end)

    def where(self, file_index: int, line: int) -> tuple[int, str]:
        """(line, message prefix): with several files, messages name the file."""
        return line, (f"{self.files[file_index]}: " if len(self.files) > 1 else "")

    def add_batch(self, batch) -> None:
        cols = batch.to_pydict()
        stats = self.stats
        files, numbers, statuses = cols["_file"], cols["_n"], cols["_status"]
        created, epochs, sources = cols["_created"], cols["_epoch"], cols["_source"]
        matched, outs = cols["_matched"], cols["_out"]
        verify = cols.get("_verify") or [False] * len(statuses)
        tag_values = [cols[c] for c in self.tag_columns]
        for i, status in enumerate(statuses):
            if status == BLANK:
                stats.blank += 1
                continue
            if status != POST or verify[i]:
                # The engine's JSON reader and ours disagree on a few lines (NaN, trailing
                # commas, lone surrogates): our decoder decides, as the Python engine would.
                post = self._decode(files[i], numbers[i], outs[i])
                if post is None:
                    continue
                if status != POST:
                    self._python_post(files[i], numbers[i], post, outs[i])
                    continue
            self._timing(epochs[i], created[i], numbers[i])
            if matched[i]:
                stats.matched += 1
                source = sources[i]
                stats.matched_sources[source if source.__class__ is str else "unknown"] += 1
                row = [t[i] for t in tag_values]
                tags, tree = self.tag_plan.apply(row, None) if self.tag_plan else (None, None)
                self._deliver((files[i], numbers[i]), outs[i], tags, tree)

    def _timing(self, epoch, created, number) -> None:
        stats = self.stats
        stats.read += 1
        when = epoch
        if when is None and created is not None:
            when = to_epoch(created)
        if when is not None:
            stats.timed += 1
            if stats.first_time is None or when < stats.first_time:
                stats.first_time = when
            if stats.last_time is None or when > stats.last_time:
                stats.last_time = when
        elif stats.untimed_first_line is None:
            stats.untimed_first_line = number

    def _decode(self, file_index, number, text):
        """The post our decoder reads from ``text``, or None after reporting the bad line."""
        line, prefix = self.where(file_index, number)
        try:
            post = self.loads((text or "").encode("utf-8", "surrogatepass"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.stats.add_bad(BadPost(line, INVALID_JSON, prefix + describe_error(exc)), False)
            return None
        if post.__class__ is not dict:
            kind = "an array" if isinstance(post, list) else type(post).__name__.replace("NoneType", "null")
            self.stats.add_bad(BadPost(line, NOT_OBJECT, prefix + f"a post must be a JSON object, found {kind}"), False)
            return None
        return post

    def _python_post(self, file_index, number, post: dict, text: str) -> None:
        """A post only our decoder reads: our matcher evaluates it."""
        interaction = post.get("interaction")
        stamp = interaction.get("created_at") if interaction.__class__ is dict else None
        self._timing(None, stamp if stamp.__class__ is str else None, number)
        if self.fallback is None:
            return
        ev = self.fallback.evaluate(post)
        if ev.matched:
            self.stats.matched += 1
            source = interaction.get("type") if interaction.__class__ is dict else None
            self.stats.matched_sources[source if source.__class__ is str else "unknown"] += 1
            self._deliver((file_index, number), text, ev.tags, ev.tag_tree)

    def _deliver(self, key, text: str, tags, tree) -> None:
        if tags or tree or self.nulls_are_absent:
            post = self.loads(text)
            if self.nulls_are_absent:
                post = _drop_nulls(post)
            if tags or tree:
                _count_tags(self.stats.tags, tags, tree)
                interaction = post.get("interaction")
                if interaction is None:
                    interaction = post["interaction"] = {}
                if interaction.__class__ is dict:
                    if tags:
                        interaction["tags"] = tags
                    if tree:
                        interaction["tag_tree"] = tree
            data = self.dumps(post) + b"\n"
        else:
            if text.startswith(BOM.decode("utf-8")):
                text = text[1:]
            data = text.encode("utf-8", "surrogatepass") + b"\n"
        if key < self.last or self.pending:
            self.pending.append((key, data))
            return
        self.last = key
        self._write(key, data)

    def _write(self, key, data: bytes) -> None:
        note = getattr(self.sink, "note", None)  # a sink may want each post's line (tests do)
        if note is not None:
            note(key[1])
        self.sink.write(data)

    def finish(self, seconds: float, jobs: int, engine: str) -> Result:
        if self.pending:
            for key, data in sorted(self.pending, key=lambda kv: kv[0]):
                self._write(key, data)
            self.pending = []
        self.stats.busy = seconds
        result = Result(self.stats, seconds, jobs, engine)
        return result


def _drop_nulls(value):
    if value.__class__ is dict:
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if value.__class__ is list:
        return [_drop_nulls(v) for v in value]
    return value
