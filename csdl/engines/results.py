"""Turning an engine's result rows into what the Python engine gives: the matching posts as JSON
Lines (tagged as the Python engine tags them), and a ``Stats`` for the same summary, forecast and
bad-post report (``csdl.evaluate.report``).

Each engine yields record batches with these columns:
``_file`` (index into the file list), ``_n`` (line or row number in that file), ``_status``
(0 blank, 1 not JSON, 2 not an object, 3 a post), ``_created`` (interaction.created_at when it is
text), ``_epoch`` (its seconds when SQL could read the common shape), ``_source``
(interaction.type), ``_matched``, ``_out`` (the post's JSON, for matched and bad rows) and one
boolean per tag rule; optionally ``_verify`` (a line our decoder must read again) and ``_python``
(a post whose JSON types differ from the query's: the Python engine decides it).
"""

from __future__ import annotations

from collections import Counter


from csdl.evaluate.posts import BOM, INVALID_JSON, NOT_OBJECT, WRONG_TYPE, BadPost, codec, describe_error
from csdl.evaluate.runner import Result, Stats, count_tags, wrong_types
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
        self.counting = True  # whether add_batch counts the posts (Parquet's are counted apart)
        self.last = (-1, 0)
        self.pending: list[tuple] = []  # posts that arrived out of order (then sorted at the end)
        self._untimed = None  # (file, line) of the first post without a readable timestamp (add_untimed)

    def where(self, file_index: int, line: int) -> tuple[int, str]:
        """(line, message prefix): with several files, messages name the file."""
        return line, (f"{self.files[file_index]}: " if len(self.files) > 1 else "")

    def add_batch(self, batch, *, counted: bool = True) -> None:
        """Counts and time span with Arrow compute; a Python loop only over the rows that need
        one: matching posts (delivered), bad or doubtful lines, timestamps SQL could not read.
        ``counted=False``: the batch holds only matching posts, read and timed by ``add_totals``."""
        from csdl.extras import require

        pa = require("pyarrow")
        pc = require("pyarrow.compute")

        stats = self.stats
        n = batch.num_rows
        status = batch.column("_status")
        verify = batch.column("_verify") if "_verify" in batch.schema.names else pa.nulls(n, pa.bool_()).fill_null(False)
        verify = verify.fill_null(False)
        if "_python" in batch.schema.names:
            verify = pc.or_(verify, batch.column("_python").fill_null(False))
        stats.blank += pc.sum(pc.equal(status, BLANK)).as_py() or 0
        special = pc.or_(pc.and_(pc.not_equal(status, POST), pc.not_equal(status, BLANK)), verify)
        normal = pc.and_(pc.equal(status, POST), pc.invert(verify))
        if "_issue" in batch.schema.names:  # wrong-typed values an engine's row function met
            self._report_issues(batch)
        self.counting = counted  # (Parquet: every row is counted by its own query)
        if counted:
            self._count(batch, normal)
        # Rows one at a time: matching posts in order, with the doubtful lines among them.
        self._deliver_rows(batch, special, normal)

    def _report_issues(self, batch) -> None:
        """R201 for each post whose row carries the wrong-typed values it met (Spark's row function)."""
        import pyarrow.compute as pc

        issues = batch.column("_issue")
        for i in pc.indices_nonzero(pc.is_valid(issues)).to_pylist():
            line, prefix = self.where(batch.column("_file")[i].as_py(), batch.column("_n")[i].as_py())
            self.stats.add_bad(BadPost(line, WRONG_TYPE, prefix + issues[i].as_py()), True)

    def _count(self, batch, normal) -> None:
        """Posts SQL read: counts and the time span in bulk."""
        import pyarrow.compute as pc

        stats = self.stats
        numbers = batch.column("_n")
        stats.read += pc.sum(normal).as_py() or 0
        epochs = pc.filter(batch.column("_epoch"), normal)
        valid = pc.drop_null(epochs)
        if len(valid):
            stats.timed += len(valid)
            low, high = pc.min(valid).as_py(), pc.max(valid).as_py()
            stats.first_time = low if stats.first_time is None else min(stats.first_time, low)
            stats.last_time = high if stats.last_time is None else max(stats.last_time, high)
        no_epoch = pc.and_(normal, pc.is_null(batch.column("_epoch")))
        if pc.any(no_epoch).as_py():
            created = batch.column("_created")
            for i in pc.indices_nonzero(no_epoch).to_pylist():
                stamp = created[i].as_py()
                when = to_epoch(stamp) if stamp is not None else None
                if when is None:
                    self._note_untimed(batch.column("_file")[i].as_py(), numbers[i].as_py())
                    continue
                stats.timed += 1
                stats.first_time = when if stats.first_time is None else min(stats.first_time, when)
                stats.last_time = when if stats.last_time is None else max(stats.last_time, when)

    def _deliver_rows(self, batch, special, normal) -> None:
        import pyarrow.compute as pc

        stats = self.stats
        python = batch.column("_python").fill_null(False) if "_python" in batch.schema.names else None
        wanted = pc.or_(special, pc.and_(normal, batch.column("_matched").fill_null(False)))
        indices = pc.indices_nonzero(wanted)  # (an Arrow array: a batch holds up to 65,536 rows)
        if not len(indices):
            return
        # (every row, as in a Parquet run, where only matching posts come back: no copy)
        rows = batch if len(indices) == batch.num_rows else batch.take(indices)
        if (rows.column("_out").null_count == len(indices) and getattr(self.sink, "note", None) is None
                and not pc.any(pc.take(special, indices)).as_py()):
            self._count_only(rows)  # the summary only: no post to write, tags counted per combination
            return
        cols = {name: rows.column(name).to_pylist() for name in
                ("_file", "_n", "_out", "_source", "_status", "_epoch", "_created", "_matched", *self.tag_columns)}
        flags = pc.take(special, indices).to_pylist()
        to_python = pc.take(python, indices).to_pylist() if python is not None else [False] * len(indices)
        tag_values = [cols[c] for c in self.tag_columns]
        files, numbers, outs, sources = cols["_file"], cols["_n"], cols["_out"], cols["_source"]
        plan = self.tag_plan
        matched_sources = stats.matched_sources
        if not plan and not any(flags) and getattr(self.sink, "note", None) is None and self._in_order(files, numbers):
            # The common case, untagged posts in input order: one write for the whole batch.
            stats.matched += len(indices)
            for source in sources:
                matched_sources[source if source.__class__ is str else "unknown"] += 1
            if outs[0] is not None:  # (None: the run was asked for the summary only)
                self.sink.write(("\n".join(outs) + "\n").encode("utf-8", "surrogatepass"))
            self.last = (files[-1], numbers[-1])
            return
        for j in range(len(indices)):
            f, number, text = files[j], numbers[j], outs[j]
            if flags[j]:
                post = self._decode(f, number, text)
                if post is None:
                    continue
                if cols["_status"][j] != POST or to_python[j]:
                    self._python_post(f, number, post, text)
                    continue
                self._timing(cols["_epoch"][j], cols["_created"][j], (f, number))
                if not cols["_matched"][j]:
                    continue
            stats.matched += 1
            source = sources[j]
            matched_sources[source if source.__class__ is str else "unknown"] += 1
            if plan:
                tags, tree = plan.apply([t[j] for t in tag_values], None)
            else:
                tags = tree = None
            self._deliver((f, number), text, tags, tree)

    def _count_only(self, rows) -> None:
        """Matching posts that are only counted: their sources, and their tags once per
        distinct combination of tag rules that held (a handful), not once per post."""
        import pyarrow as pa
        import pyarrow.compute as pc

        stats = self.stats
        stats.matched += rows.num_rows
        for item in pc.value_counts(rows.column("_source")).to_pylist():
            source = item["values"]
            stats.matched_sources[source if source.__class__ is str else "unknown"] += item["counts"]
        if not self.tag_plan:
            return
        table = pa.table({c: rows.column(c).fill_null(False) for c in self.tag_columns})
        combos = table.group_by(self.tag_columns).aggregate([([], "count_all")]).to_pylist()
        for combo in combos:
            tags, tree = self.tag_plan.apply([combo[c] for c in self.tag_columns], None)
            once = Counter()
            count_tags(once, tags, tree)
            for key, value in once.items():
                stats.tags[key] += value * combo["count_all"]

    def add_matched_groups(self, groups: list[dict]) -> None:
        """Matching posts counted in SQL, one dict per group: ``_posts`` of them with the
        ``_source`` and the tag rule columns given (the summary only: none is written)."""
        stats = self.stats
        for group in groups:
            count = group["_posts"]
            stats.matched += count
            source = group["_source"]
            stats.matched_sources[source if source.__class__ is str else "unknown"] += count
            if self.tag_plan:
                tags, tree = self.tag_plan.apply([bool(group[c]) for c in self.tag_columns], None)
                once = Counter()
                count_tags(once, tags, tree)
                for key, value in once.items():
                    stats.tags[key] += value * count

    def add_totals(self, posts: int, timed: int, first, last) -> None:
        """Posts counted by the engine in bulk, ``timed`` of them with a timestamp SQL read
        (between ``first`` and ``last``); the others come through ``add_untimed``."""
        stats = self.stats
        stats.read += posts
        stats.timed += timed
        if first is not None:
            stats.first_time = first if stats.first_time is None else min(stats.first_time, first)
        if last is not None:
            stats.last_time = last if stats.last_time is None else max(stats.last_time, last)

    def add_untimed(self, batch) -> None:
        """Posts (``_file``, ``_n``, ``_created``) whose timestamp SQL could not read: our parser
        tries; the first it cannot read either is the one the summary names."""
        stats = self.stats
        first = None
        for f, number, stamp in zip(*(batch.column(c).to_pylist() for c in ("_file", "_n", "_created")), strict=True):
            when = to_epoch(stamp) if stamp is not None else None
            if when is None:
                first = (f, number) if first is None or (f, number) < first else first
                continue
            stats.timed += 1
            stats.first_time = when if stats.first_time is None else min(stats.first_time, when)
            stats.last_time = when if stats.last_time is None else max(stats.last_time, when)
        if first is not None:
            self._note_untimed(*first)

    def _note_untimed(self, file_index: int, number: int) -> None:
        """A post without a readable timestamp: the summary names the first such line (rows
        reach here out of order: the posts Python decides come after the others of a batch)."""
        if self._untimed is None or (file_index, number) < self._untimed:
            self._untimed = (file_index, number)
            self.stats.untimed_first_line = number

    def _in_order(self, files, numbers) -> bool:
        if self.pending:
            return False
        previous = self.last
        for key in zip(files, numbers, strict=True):
            if key < previous:
                return False
            previous = key
        return True

    def _timing(self, epoch, created, where: tuple[int, int]) -> None:
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
        else:
            self._note_untimed(*where)

    def _decode(self, file_index, number, text):
        """The post our decoder reads from ``text``, or None after reporting the bad line."""
        line, prefix = self.where(file_index, number)
        data = (text or "").encode("utf-8", "surrogatepass")
        try:
            post = self.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            if getattr(exc, "pos", None) == len(data) and self._ends_with_newline(file_index, number):
                exc = self._error(data + b"\n") or exc  # the Python engine's message names the line end
            self.stats.add_bad(BadPost(line, INVALID_JSON, prefix + describe_error(exc)), False)
            return None
        if post.__class__ is not dict:
            kind = "an array" if isinstance(post, list) else type(post).__name__.replace("NoneType", "null")
            self.stats.add_bad(BadPost(line, NOT_OBJECT, prefix + f"a post must be a JSON object, found {kind}"), False)
            return None
        return post

    def _error(self, data: bytes):
        try:
            self.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            return exc
        return None

    def _ends_with_newline(self, file_index: int, number: int) -> bool:
        """Whether line ``number`` of the file ends with a line feed, as the lines the Python
        engine decodes do (all but a last line the file does not end)."""
        from .inputs import open_bytes

        ends = self.__dict__.setdefault("_line_ends", {})
        if file_index not in ends:
            with open_bytes(self.files[file_index]) as stream:
                count, last = 0, b"\n"
                while chunk := stream.read(8 << 20):
                    count, last = count + chunk.count(b"\n"), chunk[-1:]
            ends[file_index] = None if last == b"\n" else count + 1  # the unterminated line, if any
        return ends[file_index] != number

    def _python_post(self, file_index, number, post: dict, text: str) -> None:
        """A post only our decoder reads: our matcher evaluates it."""
        interaction = post.get("interaction")
        stamp = interaction.get("created_at") if interaction.__class__ is dict else None
        if self.counting:
            self._timing(None, stamp if stamp.__class__ is str else None, (file_index, number))
        if self.fallback is None:
            return
        ev = self.fallback.deliver(post)
        if ev.issues:  # wrong-typed values, reported as the Python engine reports them
            line, prefix = self.where(file_index, number)
            bad = wrong_types(line, ev.issues)
            bad.message = prefix + bad.message
            self.stats.add_bad(bad, True)
        if ev.matched:
            self.stats.matched += 1
            source = interaction.get("type") if interaction.__class__ is dict else None
            self.stats.matched_sources[source if source.__class__ is str else "unknown"] += 1
            self._deliver((file_index, number), text, ev.tags, ev.tag_tree)

    def _deliver(self, key, text: str, tags, tree) -> None:
        if tags or tree:
            count_tags(self.stats.tags, tags, tree)
        if text is None:  # the summary only: no post to write
            return
        if text.startswith(BOM.decode("utf-8")):
            text = text[1:]
        post = self.loads(text) if tags or tree else None
        if post is not None and self.nulls_are_absent:
            post = _drop_nulls(post)  # a tagged Parquet row is rebuilt anyway: drop its NULLs
        interaction = post.get("interaction") if post is not None else None
        if post is not None and (interaction is None or interaction.__class__ is dict):
            if interaction is None:
                interaction = post["interaction"] = {}
            if tags:
                interaction["tags"] = tags
            if tree:
                interaction["tag_tree"] = tree
            data = self.dumps(post) + b"\n"
        else:  # untagged, or an "interaction" that is not an object (nowhere to put tags): as read
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
