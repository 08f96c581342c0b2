"""The live bus of ``csdl serve``: interactions in (the firehose, ODP ingestion), matching streams
out, to every consumer subscribed to them.

``Bus.publish(posts)`` runs, on the caller's thread, the compiled filter of every stream that has a
consumer (the library's matcher, ``compile_matcher``) on each post, and offers each match to that
stream's consumers as DataSift delivered it: a copy of the post with the tags and scores our
matcher computed in ``interaction.tags`` and ``interaction.tag_tree``. A post that is a delete
notification (``{"deleted": true, "interaction": {"id": …}}``) goes to every consumer of every
stream, as ``{"deleted": true, "interaction": {"id": …}}``: the emulator does not remember which
stream delivered the original (ours).

A consumer is any object with the ``Sink`` methods below. Every sink holds a bounded buffer: a
sink that cannot take an item says so (``offer`` returns False); with ``patient`` publishing (the
firehose without ``--rate``) the bus waits for room up to ``PATIENCE`` seconds, otherwise the item
is dropped for that consumer and the sink is told (``dropped``), which is how DataSift treated a
slow consumer: it dropped data and sent a warning.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

#: How long a patient publisher waits for a full consumer before dropping for it.
PATIENCE = 10.0


class BusError(Exception):
    """A subscription the bus cannot serve (a hash it does not know, a filter that cannot run)."""


class Sink:
    """What the bus needs of a consumer. Subclasses implement ``offer``; the rest is optional."""

    def offer(self, hash: str, item: dict, raw: bytes | None = None) -> bool:  # pragma: no cover - interface
        """Take ``item`` (a delivered interaction of stream ``hash``) without blocking; False when full.
        ``raw``, when given, is ``item`` already encoded as JSON (the firehose's own line)."""
        raise NotImplementedError

    def wait_for_room(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until ``offer`` may succeed again; False if it may not."""
        time.sleep(min(timeout, 0.01))
        return True

    def dropped(self, hash: str, count: int) -> None:
        """``count`` items of ``hash`` were dropped because this consumer was full."""

    def flush(self) -> None:
        """The end of a published batch: wake the consumer for what it was offered (a consumer
        woken once per batch instead of once per item spends its time writing, not waking)."""


class Bus:
    """Streams by hash → the sinks subscribed to them, and the matchers that feed them."""

    def __init__(self, library, *, patience: float = PATIENCE):
        self.library = library
        self.patience = patience
        self._lock = threading.Lock()
        self._sinks: dict[str, list[Sink]] = {}  # hash -> sinks, in subscription order
        self._matchers: dict[str, object] = {}
        self._routes: tuple = ()  # a snapshot (hash, matcher, sinks) the publisher reads without the lock
        self.published = 0
        self.errors = 0  # (stream, post) evaluations that raised
        self.delivered: Counter = Counter()  # hash -> interactions delivered (for usage)
        self.changed = threading.Condition(self._lock)
        self._stalled: set = set()  # sinks a patient publisher gave up waiting for (set operations are atomic)

    # -- subscriptions ---------------------------------------------------------------------
    def matcher(self, hash: str):
        """The compiled matcher of stream ``hash``; ``BusError`` when it is unknown or cannot run."""
        from csdl.diagnostics import CSDLError
        from csdl.evaluate import compile_matcher

        with self._lock:
            found = self._matchers.get(hash)
        if found is not None:
            return found
        entry = self.library.resolve(hash)
        if entry is None or entry.tree is None:
            raise BusError(f"Stream {hash} not found")
        try:
            matcher = compile_matcher(entry.tree, library=self.library)
        except CSDLError as exc:
            raise BusError(f"Stream {hash} cannot run: {exc}") from None
        with self._lock:
            return self._matchers.setdefault(hash, matcher)

    def subscribe(self, sink: Sink, hash: str) -> None:
        matcher = self.matcher(hash)
        with self._lock:
            sinks = self._sinks.setdefault(hash, [])
            if sink not in sinks:
                sinks.append(sink)
            self._matchers[hash] = matcher
            self._rebuild()

    def unsubscribe(self, sink: Sink, hash: str | None = None) -> None:
        """Remove ``sink`` from ``hash`` (from every stream when ``hash`` is None)."""
        with self._lock:
            for key in [hash] if hash is not None else list(self._sinks):
                sinks = self._sinks.get(key)
                if sinks and sink in sinks:
                    sinks.remove(sink)
                    if not sinks:
                        del self._sinks[key]
            self._rebuild()
        self._stalled.discard(sink)

    def subscription_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._sinks.values())

    def wait_for_subscriptions(self, count: int, stop: threading.Event) -> bool:
        """Block until at least ``count`` (sink, stream) subscriptions exist or ``stop`` is set."""
        with self._lock:
            while not stop.is_set():
                if sum(len(s) for s in self._sinks.values()) >= count:
                    return True
                self.changed.wait(0.1)
        return False

    def _rebuild(self) -> None:
        self._routes = tuple((h, self._matchers[h], tuple(s)) for h, s in self._sinks.items())
        self.changed.notify_all()

    # -- publishing ------------------------------------------------------------------------
    def publish(self, posts, *, raws=None, patient: bool = False) -> int:
        """Run every subscribed stream over ``posts`` (dicts) and offer the matches; returns the
        number of items delivered (one per matching stream and consumer). ``raws``, when given,
        are the posts' JSON lines: a match delivered unchanged (no tags) is not encoded again."""
        delivered = 0
        for index, post in enumerate(posts):
            if post.__class__ is not dict:
                continue
            self.published += 1
            routes = self._routes
            if post.get("deleted") is True:
                for hash, _matcher, sinks in routes:
                    delivered += self._offer(sinks, hash, _deletion(post), patient)
                continue
            for hash, matcher, sinks in routes:
                try:
                    evaluation = matcher.evaluate(post)
                except Exception as exc:  # a matcher bug must not stop the firehose: skip, say so once
                    self._failed(hash, exc)
                    continue
                if evaluation.matched:
                    item = tagged(post, evaluation.tags, evaluation.tag_tree)
                    raw = raws[index] if raws is not None and item is post else None
                    n = self._offer(sinks, hash, item, patient, raw)
                    self.delivered[hash] += n
                    delivered += n
        for _hash, _matcher, sinks in self._routes:
            for sink in sinks:
                sink.flush()
        return delivered

    def _failed(self, hash: str, exc: Exception) -> None:
        self.errors += 1
        if self.errors == 1:
            print(f"csdl serve: stream {hash} failed on a post and skipped it: {type(exc).__name__}: {exc} "
                  "(later failures are only counted)", file=sys.stderr)

    def _offer(self, sinks, hash: str, item: dict, patient: bool, raw: bytes | None = None) -> int:
        count = 0
        for sink in sinks:
            if sink.offer(hash, item, raw):
                count += 1
                self._stalled.discard(sink)
                continue
            # A sink that already made the publisher wait in vain is not waited for again until
            # it takes an item: one stuck consumer must not slow the firehose for the others.
            if patient and sink not in self._stalled:
                if self._wait_and_offer(sink, hash, item, raw):
                    count += 1
                    continue
                self._stalled.add(sink)
            sink.dropped(hash, 1)
        return count

    def _wait_and_offer(self, sink: Sink, hash: str, item: dict, raw: bytes | None) -> bool:
        sink.flush()  # what it holds must be on its way before waiting for it to make room
        deadline = time.monotonic() + self.patience
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sink.wait_for_room(min(left, 0.5)):
                return False
            if sink.offer(hash, item, raw):
                return True


def tagged(post: dict, tags, tree) -> dict:
    """The delivered copy of ``post``: tags in ``interaction.tags``, scores and namespaces in
    ``interaction.tag_tree`` (the post itself is shared by every stream, so it is not changed)."""
    if not tags and not tree:
        return post
    interaction = post.get("interaction")
    if interaction is not None and interaction.__class__ is not dict:
        return post  # nowhere to put tags
    copy = dict(post)
    interaction = dict(interaction or {})
    if tags:
        interaction["tags"] = list(tags)
    if tree:
        interaction["tag_tree"] = tree
    copy["interaction"] = interaction
    return copy


def _deletion(post: dict) -> dict:
    interaction = post.get("interaction")
    ident = interaction.get("id") if interaction.__class__ is dict else None
    return {"deleted": True, "interaction": {"id": ident}}
