"""Started Historics queries, run over ``csdl serve --archive`` and delivered through push.

``HistoricsRuns.start(owner, id)`` runs one query on its own thread:

1. the filter runs over the archive with ``csdl.run`` (the engine ``csdl run`` would choose: DuckDB
   for Parquet, a directory or a glob; the Python engine for a JSON Lines file), matching posts
   tagged as ``csdl run`` writes them;
2. of those, the posts inside the query's window (``interaction.created_at`` in ``[start, end)``),
   of its ``sources`` (``interaction.type``) and, for a 10 % ``sample``, those whose
   ``interaction.id`` falls in the sample (**ours**: the MD5 of the id, its first 8 hex digits as a
   number, divisible by 10), are delivered in time order, chunk by chunk (the window cut at each
   midnight UTC, DataSift's documented chunks; ``chunks`` in ``historics/get`` while it runs), to the
   push subscriptions created for the query's id (``PushRegistry.deliver_historics``); ``progress``
   is the part of the window delivered so far.

Status as DataSift's: ``init`` → ``running`` → ``succeeded``; ``paused`` (nothing is delivered until
``resume``), ``stopped`` (``historics/stop``: what is left is not delivered). Without ``--archive`` a
started query has nothing to read: it stays ``queued`` until it is stopped (**ours**).
"""

from __future__ import annotations

import bisect
import hashlib
import tempfile
import threading
import time
from collections import Counter, defaultdict

DAY = 86_400
#: Queries reading the archive at once (ours; the others wait ``queued``, as on the platform).
RUNNING = 2
#: Chunks a query is cut into at most (ours: longer windows get chunks of several days).
MAX_CHUNKS = 1000
TABLE = "historics"


def chunk_bounds(start: int, end: int) -> list[tuple[int, int]]:
    """DataSift's documented chunks: the window cut at each midnight UTC (``[start, end)`` each)."""
    days = max(1, -(-(end - start) // (DAY * MAX_CHUNKS)))  # days per chunk
    size = days * DAY
    bounds, at = [], start
    while at < end:
        following = min(end, (at // size + 1) * size)
        bounds.append((at, following))
        at = following
    return bounds


def in_sample(interaction_id, sample: int) -> bool:
    """Whether a post is in a Historics ``sample`` (10 or 100 percent): ours, and deterministic."""
    if sample >= 100:
        return True
    digest = hashlib.md5(str(interaction_id).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % (100 // sample) == 0


class _Spool:
    """``csdl.run``'s output: the matching posts, as JSON lines, in a temporary file."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        if not data.endswith(b"\n"):
            self.file.write(b"\n")


class Run:
    def __init__(self, runs, owner: str, id: str):
        self.runs, self.owner, self.id = runs, owner, id
        self.resumed = threading.Event()
        self.resumed.set()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._main, name=f"csdl-historics-{id}", daemon=True)

    # -- the store's record --------------------------------------------------------------------
    def update(self, **fields) -> dict | None:
        def change(record):
            record.update(fields)
            return record

        return self.runs.state.store.update_document(TABLE, self.id, self.owner, change)

    def record(self) -> dict | None:
        return self.runs.state.store.get_document(TABLE, self.id, self.owner)

    # -- the run -----------------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            record = self.update(started_at=int(time.time()))
            if record is None:
                return
            if self.runs.state.settings.archive is None:
                self._wait_without_archive()
                return
            if not self._take_a_slot():
                self._wait_without_archive()  # stopped while queued
                return
            try:
                self._set_status("running")
                chunks = self._select(record)
                self._deliver(record, chunks)
            finally:
                self.runs.slots.release()
        except Exception as exc:  # the query fails, as DataSift's did, with the reason kept (ours)
            self.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
            self._push().historics_done(self.id)
        finally:
            self.runs.finished(self.id)

    def _take_a_slot(self) -> bool:
        """Wait ``queued`` for one of the ``RUNNING`` slots; False when stopped meanwhile."""
        while not self.runs.slots.acquire(timeout=0.2):
            if self.stopped.is_set():
                return False
        return True

    def _set_status(self, status: str) -> None:
        """A status the run reaches by itself: never over a pause or stop asked meanwhile."""
        def change(record):
            if record["status"] in ("queued", "running"):
                record["status"] = status
            return record

        self.runs.state.store.update_document(TABLE, self.id, self.owner, change)

    def _wait_without_archive(self) -> None:
        """Nothing to run over: the query waits ``queued`` (pause and resume still apply) until stopped."""
        self.stopped.wait()
        self.update(status="stopped")
        self._push().historics_done(self.id)

    def _push(self):
        return self.runs.state.live.push

    def _select(self, record) -> dict[int, list[dict]]:
        """The posts to deliver, by chunk number, in time order."""
        archive = self.runs.state.settings.archive
        chunks: dict[int, list] = defaultdict(list)
        if archive is None:
            return chunks
        import csdl
        from csdl.evaluate.posts import codec
        from csdl.evaluate.timestamps import to_epoch

        entry = self.runs.state.library.resolve(record["definition_id"])
        spool = _Spool()
        try:
            csdl.run(entry.tree, archive, output=spool, library=self.runs.state.library, posts_name=archive)
            spool.file.seek(0)
            loads = codec()[0]
            start, end = record["start"], record["end"]
            sources = set(record.get("sources") or ())
            sample = int(record.get("sample") or 100)
            starts = [first for first, _ in chunk_bounds(start, end)]
            for line in spool.file:
                if not line.strip():
                    continue
                post = loads(line)
                interaction = post.get("interaction") if isinstance(post, dict) else None
                if not isinstance(interaction, dict):
                    continue
                when = to_epoch(interaction.get("created_at"))
                if when is None or not start <= when < end:
                    continue
                if sources and interaction.get("type") not in sources:
                    continue
                if not in_sample(interaction.get("id"), sample):
                    continue
                chunks[bisect.bisect_right(starts, when) - 1].append((when, post))
        finally:
            spool.file.close()
        return {k: [post for _, post in sorted(v, key=lambda item: item[0])] for k, v in chunks.items()}

    def _deliver(self, record, chunks) -> None:
        start, end = record["start"], record["end"]
        shown = [{"status": "init", "progress": 0, "start_time": first, "end_time": last}
                 for first, last in chunk_bounds(start, end)]
        self.update(chunks=shown)
        delivered = 0
        by_source: Counter = Counter()
        for number, chunk in enumerate(shown):
            while not self.resumed.wait(0.2):
                if self.stopped.is_set():
                    break
            if self.stopped.is_set():
                break
            chunk["status"] = "running"
            self.update(chunks=shown)
            posts = chunks.get(number, [])
            self._push().deliver_historics(self.id, posts)
            delivered += len(posts)
            by_source.update(p["interaction"].get("type") or "" for p in posts)
            chunk.update(status="succeeded", progress=100)
            progress = min(99, int(100 * (chunk["end_time"] - start) / (end - start)))
            self.update(progress=progress, delivery_count=delivered, delivered_by_source=dict(by_source), chunks=shown)
        if self.stopped.is_set():
            self.update(status="stopped", delivery_count=delivered, delivered_by_source=dict(by_source))
        else:
            self.update(status="succeeded", progress=100, delivery_count=delivered,
                        delivered_by_source=dict(by_source), estimated_completion=int(time.time()))
        self._push().historics_done(self.id)


class HistoricsRuns:
    """The started queries of this server (one thread each, at most ``RUNNING`` reading the archive
    at once, the others ``queued``); ``stop_all`` at shutdown."""

    def __init__(self, state):
        self.state = state
        self.slots = threading.BoundedSemaphore(RUNNING)
        self.runs: dict[str, Run] = {}
        self.lock = threading.Lock()

    def start(self, owner: str, id: str) -> None:
        run = Run(self, owner, id)
        with self.lock:
            self.runs[id] = run
        run.thread.start()

    def get(self, id: str) -> Run | None:
        with self.lock:
            return self.runs.get(id)

    def finished(self, id: str) -> None:
        with self.lock:
            self.runs.pop(id, None)

    def stop_all(self, timeout: float = 5.0) -> None:
        with self.lock:
            runs = list(self.runs.values())
        for run in runs:
            run.stopped.set()
        deadline = time.monotonic() + timeout
        for run in runs:
            run.thread.join(max(0.0, deadline - time.monotonic()))

