"""``csdl serve --firehose POSTS.jsonl[.gz]``: a file of posts replayed into the live bus.

The replay runs on its own thread, so the event loop keeps answering the REST API while it runs at
full speed. It starts once ``wait_for`` stream subscriptions exist (default 1: a file replayed to
nobody would be lost; ours), publishes ``rate`` posts per second (evenly, in small batches) or, without
a rate, as fast as the consumers take them (the bus waits for a full consumer instead of
dropping), once or again and again (``loop``). Lines that are not JSON objects are skipped and
counted. ``stop()`` ends it between two batches.
"""

from __future__ import annotations

import sys
import threading
import time

import orjson

from csdl.evaluate.posts import PostsError, open_posts

BATCH = 64


class Firehose:
    def __init__(self, bus, path: str, *, rate: float | None = None, loop: bool = False, wait_for: int = 1):
        self.bus = bus
        self.path = path
        self.rate = rate
        self.loop = loop
        self.wait_for = wait_for
        self.stopping = threading.Event()
        self.done = threading.Event()
        self.posts = 0
        self.bad_lines = 0
        self.passes = 0
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="csdl-firehose", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> dict:
        return {"path": self.path, "posts": self.posts, "bad_lines": self.bad_lines, "passes": self.passes,
                "running": self._thread is not None and self._thread.is_alive(), "error": self.error}

    def _run(self) -> None:
        try:
            if self.wait_for > 0 and not self.bus.wait_for_subscriptions(self.wait_for, self.stopping):
                return
            started = time.monotonic()
            while not self.stopping.is_set():
                self._replay(started)
                self.passes += 1
                if not self.loop or self.posts == 0:
                    break
        except (PostsError, OSError, EOFError) as exc:  # a file that vanished or a truncated gzip
            self.error = str(exc)
            print(f"csdl serve: the firehose stopped: {exc}", file=sys.stderr)
        finally:
            self.done.set()

    def _replay(self, started: float) -> None:
        batch: list = []
        raws: list = []  # the lines as read: a match without tags is delivered as these bytes
        with open_posts(self.path) as lines:
            for line in lines:
                if self.stopping.is_set():
                    return
                try:
                    post = orjson.loads(line)
                except orjson.JSONDecodeError:
                    if line.strip():
                        self.bad_lines += 1
                    continue
                if post.__class__ is not dict:
                    self.bad_lines += 1
                    continue
                batch.append(post)
                raws.append(line.strip())
                if len(batch) >= (BATCH if self.rate is None else max(1, min(BATCH, int(self.rate // 20) or 1))):
                    self._send(batch, raws, started)
                    batch, raws = [], []
            if batch:
                self._send(batch, raws, started)

    def _send(self, batch: list, raws: list, started: float) -> None:
        if self.rate is not None:
            # the time the first post of this batch is due at the given rate
            due = started + self.posts / self.rate
            wait = due - time.monotonic()
            if wait > 0 and self.stopping.wait(wait):
                return
        self.bus.publish(batch, raws=raws, patient=self.rate is None)
        self.posts += len(batch)
