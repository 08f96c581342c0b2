"""Checking documents off the event loop, newest text first, never publishing stale results.

One worker thread checks. An edit to a document that is not being checked starts its check at
once (no fixed delay: a 200-character filter is checked in about a millisecond). Edits that arrive
while a check runs are coalesced: the queued check of an older version is cancelled, so after a
burst of typing only the newest text is checked next — the debounce adapts to how long a check
takes. A check whose document changed meanwhile is dropped instead of published. An optional
fixed delay (``debounce`` in the initialization options, milliseconds) waits for a pause first.

A short document (up to ``INLINE_CHARS``) is checked right on the event loop when the worker is
idle: its check takes about a millisecond, and two thread hops would add a third to that.

Requests (hover, completion, code actions, cost) await the analysis of the current version,
sharing the check in flight instead of starting another.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("csdl.lsp")

INLINE_CHARS = 4096


class _Job:
    __slots__ = ("version", "text", "future")

    def __init__(self, version, text, future):
        self.version = version
        self.text = text
        self.future = future


class Pipeline:
    def __init__(self, analyse, publish, delay: float = 0.0):
        self._analyse = analyse  # (document snapshot: text, version, path) -> Analysis, in the worker
        self._publish = publish  # (document, analysis) -> None, on the event loop
        self.delay = delay
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csdl-check")
        self._jobs: dict[str, _Job] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running = 0  # calls of run() in flight on the worker

    def changed(self, document) -> None:
        """The document was opened or edited: check its newest text (after ``delay``, if set)."""
        timer = self._timers.pop(document.uri, None)
        if timer is not None:
            timer.cancel()
        if self.delay > 0:
            loop = asyncio.get_running_loop()
            self._timers[document.uri] = loop.call_later(self.delay, self._start, document)
        else:
            self._start(document)

    def closed(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        job = self._jobs.pop(uri, None)
        if job is not None:
            job.future.cancel()

    def _start(self, document) -> _Job:
        self._timers.pop(document.uri, None)
        job = self._jobs.get(document.uri)
        if job is not None:
            if job.version == document.version and job.text is document.text:
                return job
            job.future.cancel()  # only takes effect while it waits in the queue: then it never runs
        loop = asyncio.get_running_loop()
        text, version, path = document.text, document.version, document.path
        if len(text) <= INLINE_CHARS and not self._jobs and not self._running:
            future = loop.create_future()
            job = _Job(version, text, future)
            try:
                future.set_result(self._analyse(text, version, path))
            except Exception as exc:
                future.set_exception(exc)
            self._done(document, job, future)
            return job
        future = loop.run_in_executor(self.executor, self._analyse, text, version, path)
        job = self._jobs[document.uri] = _Job(version, text, future)
        future.add_done_callback(lambda f: self._done(document, job, f))
        return job

    def _done(self, document, job: _Job, future) -> None:
        if self._jobs.get(document.uri) is job:
            del self._jobs[document.uri]
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            log.error("checking %s failed: %s: %s", document.uri, type(error).__name__, error, exc_info=error)
            return
        if document.text is not job.text or document.version != job.version:
            return  # stale: a newer version is queued or about to be
        analysis = future.result()
        document.analysis = analysis
        self._publish(document, analysis)

    async def current(self, document):
        """The analysis of the document's current text."""
        analysis = document.analysis
        if analysis is not None and analysis.text is document.text and analysis.version == document.version:
            return analysis
        job = self._start(document)
        try:
            return await asyncio.shield(job.future)
        except asyncio.CancelledError:
            if not job.future.cancelled():
                raise  # the request itself was cancelled
            # superseded by a newer edit while we waited: answer for the newest text
            return await self.current(document)

    async def run(self, fn, *args):
        """Run ``fn`` on the checking thread (cost reports, fixes: the same thread as the checks)."""
        self._running += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
        finally:
            self._running -= 1

    def shutdown(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
