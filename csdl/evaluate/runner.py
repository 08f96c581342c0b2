"""Running a compiled filter over a JSON Lines file: matching posts (with their tags) out,
counts, bad lines, timestamps and per-condition timings in.

Lines are handled in batches so that ``--jobs N`` can hand batches to worker processes and
write their output back in input order; one process runs the very same batch function. Memory
is bounded by the batch size, however long the file.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections import Counter

from csdl.evaluate.conditions import ISSUES
from csdl.evaluate.projection import RUNNER_PATHS, is_utf8, unchecked_decoder_for
from csdl.evaluate.posts import INVALID_JSON, NOT_OBJECT, WRONG_TYPE, BadPost, codec, describe_error, fast_decoder, strip_bom
from csdl.evaluate.timestamps import to_epoch

BATCH_LINES = 2000
# One post in PROFILE_EVERY runs through the timed twin of the matcher: enough samples for the
# "slowest conditions" table at a cost of a few percent.
PROFILE_EVERY = 50
# The operands of AND/OR are timed on the sampled posts of the first LEARN_FIRST batches, then
# of every LEARN_EVERY-th (timing each operand on each sample costs a few percent of a batch).
LEARN_FIRST, LEARN_EVERY = 3, 10
# Bad lines kept with their messages; beyond this they are only counted.
MAX_BAD_DETAILS = 1000


class StrictFailure(Exception):
    def __init__(self, bad: BadPost):
        super().__init__(bad.message)
        self.bad = bad


class Stats:
    """Everything the summary and the forecast need, mergeable across batches and processes."""

    def __init__(self, n_conditions: int = 0):
        self.read = 0  # posts decoded (JSON objects)
        self.matched = 0
        self.blank = 0
        self.bad_count = 0  # lines not evaluated + posts with wrong-typed values
        self.unevaluated = 0
        self.bad: list[BadPost] = []
        self.tags: Counter = Counter()
        self.matched_sources: Counter = Counter()
        self.first_time: float | None = None
        self.last_time: float | None = None
        self.timed = 0  # posts with a readable interaction.created_at
        self.untimed_first_line: int | None = None
        self.cond_seconds = [0.0] * n_conditions
        self.cond_calls = [0] * n_conditions
        self.busy = 0.0  # seconds spent inside batches: one process's time for the same work

    def add_bad(self, bad: BadPost, evaluated: bool) -> None:
        self.bad_count += 1
        if not evaluated:
            self.unevaluated += 1
        if len(self.bad) < MAX_BAD_DETAILS:
            self.bad.append(bad)

    def merge(self, other: "Stats") -> None:
        self.read += other.read
        self.matched += other.matched
        self.blank += other.blank
        self.bad_count += other.bad_count
        self.unevaluated += other.unevaluated
        self.bad.extend(other.bad[: max(0, MAX_BAD_DETAILS - len(self.bad))])
        self.tags.update(other.tags)
        self.matched_sources.update(other.matched_sources)
        for t in (other.first_time, other.last_time):
            if t is not None:
                self.first_time = t if self.first_time is None else min(self.first_time, t)
                self.last_time = t if self.last_time is None else max(self.last_time, t)
        self.timed += other.timed
        self.busy += other.busy
        if self.untimed_first_line is None:
            self.untimed_first_line = other.untimed_first_line
        for i, (s, c) in enumerate(zip(other.cond_seconds, other.cond_calls, strict=True)):
            self.cond_seconds[i] += s
            self.cond_calls[i] += c


def count_tags(counter: Counter, tags, tree) -> None:
    """Count a delivered post's tags (by name) and tag-tree leaves (names and scores) in ``counter``."""
    if tags:
        for name in tags:
            counter[f'tag "{name}"'] += 1
    if tree:
        stack = [("tag", tree)]
        while stack:
            prefix, node = stack.pop()
            for key, value in node.items():
                path = f"{prefix}.{key}"
                if isinstance(value, dict):
                    stack.append((path, value))
                elif isinstance(value, list):
                    for name in value:
                        counter[f'{path} "{name}"'] += 1
                else:
                    counter[f"{path} (score)"] += 1


def wrong_types(line: int, issues: list) -> BadPost:
    """The R201 report of a post whose conditions met wrong-typed values (``(target, message)``
    pairs, as the conditions record them): every engine words it so."""
    more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
    return BadPost(line, WRONG_TYPE, f"{issues[0][1]}{more}; the condition reading it did not match")


class BatchRunner:
    """Evaluates batches of raw lines with one compiled matcher (and its timed twin)."""

    def __init__(self, matcher, *, profile: bool = True, adapt: bool = True, partial: bool = True):
        self.matcher = matcher
        self.profiled = matcher.with_profiling() if profile and matcher.conditions else None
        self.adapt = adapt and self.profiled is not None
        self.batches = 0
        self.loads, self.dumps, self.codec_name = codec()
        self.fast_loads = fast_decoder() or self.loads
        # Only the fields the filter reads (csdl.evaluate.projection); None: decode posts whole.
        self.partial = unchecked_decoder_for(matcher.targets | set(RUNNER_PATHS)) if partial else None
        if self.partial is not None:
            self.codec_name = "msgspec, only the fields read"

    def run(self, first_line: int, lines: list[bytes], keep: bool = True) -> tuple[list[bytes], Stats]:
        """The matching posts (as lines to write; none unless ``keep``) and the counts of a batch."""
        started = time.perf_counter()
        # Everything the loop touches is a local: this loop is the floor under every filter.
        main, plan = self.matcher.main, self.matcher.tag_plan or None  # None: no tags (asked once, not per post)
        timed_main, timed_plan = (self.profiled.main, self.profiled.tag_plan or None) if self.profiled else (None, None)
        fast_loads, partial = self.fast_loads, self.partial
        stats = Stats(len(self.matcher.conditions))
        out: list[bytes] = []
        append = out.append if keep else None
        first_time = last_time = None
        timed = read = matched = 0
        matched_sources: dict = {}  # a plain dict here (a Counter's += is two Python-level calls)
        source_count, tag_counts = matched_sources.get, stats.tags
        countdown, sampled = PROFILE_EVERY, []  # sampled: the posts the timed twin ran on
        for number, line in enumerate(lines, first_line):
            whole = post = None  # whole: the post decoded in full, when it is (tags are written into it)
            if partial is not None and (line.isascii() or is_utf8(line)):
                try:
                    post = partial(line)
                except Exception:  # noqa: BLE001 - not decoded exactly as in full: the usual way says why
                    post = None
            if post is None:
                try:
                    post = fast_loads(line)
                except Exception:  # noqa: BLE001 - the careful decoder below says what was wrong
                    post = self._decode_slowly(number, line, stats)
                    if post is _SKIP:
                        continue
                whole = post
            if post.__class__ is not dict:
                _not_an_object(number, post, stats)
                continue
            read += 1
            interaction = post.get("interaction")
            if interaction.__class__ is dict:
                when = to_epoch(interaction.get("created_at"))
            else:
                when = None
            if when is not None:
                timed += 1
                if first_time is None or when < first_time:
                    first_time = when
                if last_time is None or when > last_time:
                    last_time = when
            elif stats.untimed_first_line is None:
                stats.untimed_first_line = number
            memo: dict = {}
            countdown -= 1
            if countdown == 0 and timed_main is not None:
                countdown = PROFILE_EVERY
                sampled.append(post)
                hit = timed_main(post, memo)
                tagger = timed_plan
            else:
                hit = main(post, memo)
                tagger = plan
            if hit:
                matched += 1
                source = interaction.get("type") if interaction.__class__ is dict else None
                if source.__class__ is not str:
                    source = "unknown"
                matched_sources[source] = source_count(source, 0) + 1
                if tagger is not None:
                    self._deliver_tagged(tagger, number, line, post, whole, memo, append, tag_counts)
                elif append is not None:  # None: nothing is written, the counts are all that is wanted
                    # A line msgspec read has no byte-order mark: written as read when it ends its line.
                    append(line if whole is None and line[-1:] == b"\n" else _as_written(line))
            if memo and ISSUES in memo:
                stats.add_bad(wrong_types(number, memo[ISSUES]), True)
        stats.read, stats.matched, stats.timed = read, matched, timed
        stats.matched_sources.update(matched_sources)
        stats.first_time, stats.last_time = first_time, last_time
        if self.profiled is not None:
            self._take_timings(stats, sampled)
        stats.busy = time.perf_counter() - started
        return out, stats

    def _take_timings(self, stats: Stats, sampled: list) -> None:
        """The sampled conditions' timings into ``stats`` (and reset); then, in the first
        batches and every LEARN_EVERY-th, reorder AND/OR operands by their costs on the sample."""
        for info in self.profiled.conditions:
            stats.cond_seconds[info.index] = info.seconds
            stats.cond_calls[info.index] = info.calls
            info.seconds, info.calls = 0.0, 0
        self.batches += 1
        if self.adapt and sampled and (self.batches <= LEARN_FIRST or self.batches % LEARN_EVERY == 0):
            self.matcher.adapt(sampled, self.profiled)

    def _deliver_tagged(self, tagger, number: int, line: bytes, post: dict, whole, memo: dict, append, tag_counts) -> None:
        """A matching post of a filter with tag rules: its tags counted, and it written (with
        them, if it got any) unless ``append`` is None."""
        tags, tree = tagger.apply(post, memo)
        if tags or tree:
            count_tags(tag_counts, tags, tree)
            if append is not None:
                append(self._tagged(number, line, whole, tags, tree))
        elif append is not None:
            append(_as_written(line))

    def _tagged(self, number: int, line: bytes, whole, tags, tree) -> bytes:
        """A matching post's line with its tags written into ``interaction`` (the whole post is
        decoded for it when only the filter's fields were)."""
        if whole is None:
            whole = self._decode_whole(number, line)
        interaction = whole.get("interaction")
        if interaction is None:
            interaction = whole["interaction"] = {}
        if interaction.__class__ is not dict:  # an "interaction" that is not an object: nowhere to put tags
            return _as_written(line)
        if tags:
            interaction["tags"] = tags
        if tree:
            interaction["tag_tree"] = tree
        return self.dumps(whole) + b"\n"

    def _decode_whole(self, number: int, line: bytes) -> dict:
        """The whole post of a line the partial decoder read (so a valid JSON object)."""
        try:
            return self.fast_loads(line)
        except Exception:  # noqa: BLE001 - valid JSON orjson cannot hold (or a BOM): the standard library
            return self.loads(strip_bom(line))

    def _decode_slowly(self, number: int, line: bytes, stats: Stats):
        """A line the fast decoder refused: blank, a byte-order mark, a number beyond 64 bits
        (valid JSON orjson cannot hold), or really bad. Returns the post or _SKIP."""
        if not line.strip():
            stats.blank += 1
            return _SKIP
        try:
            return self.loads(strip_bom(line))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            stats.add_bad(BadPost(number, INVALID_JSON, describe_error(exc)), False)
            return _SKIP


_SKIP = object()


def _not_an_object(number: int, post, stats: Stats) -> None:
    kind = "an array" if isinstance(post, list) else type(post).__name__.replace("NoneType", "null")
    stats.add_bad(BadPost(number, NOT_OBJECT, f"a post must be a JSON object, found {kind}"), False)


def _as_written(line: bytes) -> bytes:
    line = strip_bom(line)
    return line if line.endswith(b"\n") else line + b"\n"


# --- worker processes -------------------------------------------------------------------------

_worker: BatchRunner | None = None
_keep = True
#: The parent's runner while it forks its workers: they inherit it, compiled (a 100,000-keyword
#: index takes a few hundred milliseconds to build; each worker building its own paid that per
#: process, and spawned workers still must).
_inherited: BatchRunner | None = None


def _init_worker(filter_text: str, library, profile: bool, adapt: bool, keep: bool) -> None:
    global _worker, _keep
    _keep = keep
    if _inherited is not None:
        _worker = _inherited
        return
    from csdl.evaluate.matcher import compile_matcher
    from csdl.language.parser import parse

    _worker = BatchRunner(compile_matcher(parse(filter_text), library=library), profile=profile, adapt=adapt)


def _run_batch(job):
    first_line, lines = job
    return _worker.run(first_line, lines, _keep)


class Spilled:
    """A worker's output for one range, in a file of the run's spill directory: the parent
    copies it to the sink instead of unpickling every line (which cost it as much CPU as a
    worker's matching, on a machine whose cores the workers need)."""

    def __init__(self, name: str):
        self.name = name

    def copy_to(self, write) -> None:
        import os

        with open(self.name, "rb") as f:
            while chunk := f.read(8 << 20):
                write(chunk)
        os.unlink(self.name)


def _run_range(job):
    """A worker reads its own byte range of the file: nothing but results crosses the pipe
    (and with a spill directory, not even the matching lines)."""
    path, start, end, spill = job
    with open(path, "rb") as f:
        f.seek(start)
        lines = f.read(end - start).splitlines(keepends=True)
    out, stats = _worker.run(1, lines, _keep)
    if spill is not None and out:
        import os

        name = os.path.join(spill, f"{start}.jsonl")
        with open(name, "wb") as f:
            f.write(b"".join(out))
        out = Spilled(name)
    return out, stats, len(lines)


#: The most a worker reads at once. Each range is a task the pool's threads in the parent pass
#: and collect (about 1 ms of the parent's CPU each, on the cores the workers use). 200,000 posts
#: with --jobs 2, medians of four alternating rounds, the 10-condition and 100,000-keyword filters:
#: 0.675 and 0.735 s in 4 MB ranges, 0.662 and 0.691 s in 16 MB ones; the parent's CPU 52 and
#: 76 ms against 24 and 42 ms. A worker holds its range and its lines: some 35 MB.
RANGE_BYTES = 16 << 20


def _ranges(path: str, pieces: int):
    """(path, start, end) byte ranges of ``path`` that begin and end at line boundaries."""
    import os

    size = os.path.getsize(path)
    step = max(RANGE_BYTES // 4, min(RANGE_BYTES, size // max(1, pieces) + 1))
    starts = [0]
    with open(path, "rb") as f:
        position = step
        while position < size:
            f.seek(position)
            f.readline()
            boundary = f.tell()
            if boundary >= size:
                break
            if boundary > starts[-1]:
                starts.append(boundary)
            position = boundary + step
    bounds = starts + [size]
    for start, end in itertools.pairwise(bounds):
        yield path, start, end


def _batches(lines, size: int):
    number = 1
    iterator = iter(lines)
    while True:
        batch = list(itertools.islice(iterator, size))
        if not batch:
            return
        yield number, batch
        number += len(batch)


class Result:
    def __init__(self, stats: Stats, seconds: float, jobs: int, codec_name: str):
        self.stats = stats
        self.seconds = seconds
        self.jobs = jobs
        self.codec = codec_name


def run(matcher, lines, sink, *, jobs: int = 1, strict: bool = False, filter_text: str | None = None,
        library=None, profile: bool = True, adapt: bool = True, batch_lines: int = BATCH_LINES,
        path: str | None = None) -> Result:
    """Evaluate every line of ``lines`` (an iterable of bytes) and write matching posts to
    ``sink`` (``write(bytes)``; None: count only, nothing is built or sent back for writing).
    With ``jobs > 1`` forked workers inherit the compiled filter; spawned ones (macOS, Windows)
    compile ``filter_text`` themselves. ``adapt``: after each batch, reorder AND/OR operands by the costs and
    outcomes measured on the sampled posts (same answers, less work). With ``strict`` the first bad line raises ``StrictFailure`` after
    its batch. ``path``: the same lines as a plain file, which workers then read by byte range
    themselves (much less for the parent to pass around than batches of lines)."""
    global _inherited
    start = time.perf_counter()
    total = Stats(len(matcher.conditions))
    keep = sink is not None
    write = sink.write if keep else None
    runner = BatchRunner(matcher, profile=profile, adapt=adapt)
    codec_name = runner.codec_name
    spill = None  # a directory the workers write their matching lines to (a file read by ranges)
    if jobs <= 1:
        results = (runner.run(first, batch, keep) for first, batch in _batches(lines, batch_lines))
        pool = None
    else:
        import multiprocessing

        spawn = _needs_spawn()
        if spawn and filter_text is None:
            raise ValueError("jobs > 1 needs the filter's text to compile it in each spawned worker")
        _inherited = None if spawn else runner
        if not spawn:
            # Forked workers share the parent's objects page by page until one is written; the
            # cyclic collector would write to every one it visits (a 100,000-keyword index
            # included), so what exists now is kept out of the children's collections.
            gc.freeze()
        try:
            pool = multiprocessing.get_context("spawn" if spawn else "fork").Pool(
                jobs, initializer=_init_worker, initargs=(filter_text, library, profile, adapt, keep)
            )
        finally:
            _inherited = None
            if not spawn:
                gc.unfreeze()
        if path is not None:
            import tempfile

            spill = tempfile.mkdtemp(prefix="csdl-jobs-") if keep else None
            ranges = ((p, s, e, spill) for p, s, e in _ranges(path, 8 * jobs))
            results = _renumbered(_bounded(pool, ranges, 2 * jobs, _run_range))
        else:
            results = _bounded(pool, _batches(lines, batch_lines), 2 * jobs)
    try:
        for out, stats in results:
            total.merge(stats)
            if strict and stats.bad:
                raise StrictFailure(stats.bad[0])
            if out and keep:
                if out.__class__ is Spilled:
                    out.copy_to(write)
                else:
                    write(b"".join(out))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if spill is not None:
            import shutil

            shutil.rmtree(spill, ignore_errors=True)
    return Result(total, time.perf_counter() - start, max(1, jobs), codec_name)


def _renumbered(results):
    """Range results numbered from 1 each: shift their line numbers by the lines before them."""
    before = 0
    for out, stats, count in results:
        if before:
            for bad in stats.bad:
                bad.line += before
            if stats.untimed_first_line is not None:
                stats.untimed_first_line += before
        before += count
        yield out, stats


def _bounded(pool, jobs, in_flight: int, task=None):
    """Results in input order with at most ``in_flight`` batches queued: ``Pool.imap`` would read
    the whole file ahead into its task queue, and memory would grow with the file."""
    from collections import deque

    pending: deque = deque()
    for job in jobs:
        pending.append(pool.apply_async(task or _run_batch, (job,)))
        if len(pending) >= in_flight:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _needs_spawn() -> bool:
    import sys

    return sys.platform == "darwin" or sys.platform.startswith("win")
