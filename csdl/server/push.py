"""Push subscriptions: their life cycle, their buffers and their delivery.

Interface for producers (the live bus today; Historics, which deliver only through push, next):

- ``PushRegistry.create(owner, fields)`` makes a subscription from the checked fields of
  ``push/create``; one made for a stream ``hash`` subscribes itself to the bus, one made for a
  ``historics_id`` receives what the Historics query delivers.
- ``PushRegistry.for_historics(historics_id)`` lists the subscriptions of a Historics query and
  ``PushRegistry.deliver_historics(historics_id, interactions)`` offers interactions to each of
  them (blocking, bounded by the buffer, while a subscription is full, so an archive replay never
  loses data); ``PushRegistry.historics_done(historics_id)`` tells them the query finished: they
  deliver what they hold and become ``finished``, as a stopped subscription does.
- A subscription is a bus ``Sink``: ``offer(hash, interaction)`` buffers one delivered interaction
  (tags already in ``interaction.tags``/``tag_tree``).

Life cycle, as DataSift's statuses: ``active`` (delivers), ``paused`` (buffers, delivers
nothing), ``waiting_for_start`` (``initial_status``; resume starts it), ``finishing`` (after
``push/stop``: takes nothing new, delivers what it holds), ``finished``; ``push/delete`` removes it.
Every subscription has a bounded buffer (``--push-buffer`` interactions); what does not fit is
dropped, counted, logged and flagged ``lost_data``. An ``http`` or file subscription has one
delivery thread: a batch (at most ``max_size`` bytes) every ``delivery_frequency`` seconds, retried
with a growing delay while the output fails, each failure in the log. Subscriptions and their logs
live in memory for the life of the server (ours); at shutdown, undelivered data is discarded.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque

import orjson

from csdl.server import push_outputs
from csdl.server.bus import Sink
from csdl.server.errors import ApiError
from csdl.server.pull import PullQueue

#: Interactions a subscription may hold.
BUFFER = 100_000
#: Delay before the first retry of a failed batch, doubled each time up to RETRY_MAX.
RETRY_BASE = 0.5
RETRY_MAX = 60.0
#: Attempts a finishing subscription makes before it gives up on what it holds.
FINISH_ATTEMPTS = 5
#: Subscriptions per server, and log entries kept.
MAX_SUBSCRIPTIONS = 1000
MAX_LOG = 10_000
#: Seconds shutdown waits for delivery threads (one may be inside an http POST); they are daemons.
STOP_WAIT = 5.0
STATUSES = ("active", "paused", "waiting_for_start", "finishing", "finished")


class PushSubscription(Sink):
    def __init__(self, registry, owner: str, record: dict, params: dict):
        self.registry = registry
        self.owner = owner
        self.record = record
        self.params = params
        self.cond = threading.Condition()
        self.buffer: deque = deque()
        self.capacity = registry.buffer
        self.pull = PullQueue(record["id"], self.capacity) if record["output_type"] == "pull" else None
        self.lost = 0
        self.failures = 0
        self.batches = 0
        self.last_attempt = 0.0
        self.thread: threading.Thread | None = None

    @property
    def status(self) -> str:
        return self.record["status"]

    # -- the Sink side ----------------------------------------------------------------------
    def offer(self, hash: str, item: dict, raw: bytes | None = None) -> bool:
        with self.cond:
            if self.status not in ("active", "paused", "waiting_for_start"):
                return True  # stopped: takes nothing more, and that is not a drop
            if self.pull is not None:
                if not self.pull.add(raw if raw is not None else orjson.dumps(item)):
                    return False
                self.record["interaction_count"] += 1
                return True
            if len(self.buffer) >= self.capacity:
                return False
            self.buffer.append(raw if raw is not None else item)  # encoded when it is sent
            self.cond.notify_all()
            return True

    def wait_for_room(self, timeout: float) -> bool:
        with self.cond:
            if self.pull is None and len(self.buffer) >= self.capacity:
                self.cond.wait(timeout)
            return self.status in ("active", "paused", "waiting_for_start")

    def dropped(self, hash: str, count: int) -> None:
        with self.cond:
            self.lost += count
            self.record["lost_data"] = True
            self.cond.notify_all()

    # -- the answer ---------------------------------------------------------------------------
    def view(self, answer: str = "get") -> dict:
        """The subscription as DataSift's recorded answers showed it, which differ by call:
        ``get`` has ``interaction_count`` and a number in ``remaining_bytes``; ``create`` neither,
        and ``"end": 0``; ``update`` the number but no count; ``change`` (pause, resume, stop)
        neither."""
        with self.cond:
            record = dict(self.record)
            pending = len(self.pull) if self.pull is not None else len(self.buffer)
        record["remaining_bytes"] = pending if answer in ("get", "update") else None  # ours: interactions held
        if answer != "get":
            record.pop("interaction_count", None)
        if answer == "create":
            record["end"] = record["end"] or 0
        return record

    def set_status(self, status: str) -> None:
        with self.cond:
            self.record["status"] = status
            if status in ("finishing", "finished") and not self.record["end"]:
                self.record["end"] = int(time.time())
            self.cond.notify_all()

    # -- delivery (its own thread) ---------------------------------------------------------------
    def run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._deliver(*batch)

    def _next_batch(self):
        """Block until a batch is due: (count, body), or None when the subscription is over."""
        with self.cond:
            while True:
                if self.registry.closing.is_set() or self.status == "finished":
                    return None
                if self.lost:
                    self.registry.log(self, False, f"{self.lost} interactions were dropped: the buffer of "
                                                   f"{self.capacity} was full (consumer too slow)")
                    self.lost = 0
                if self.status == "finishing" and not self.buffer:
                    self.record["status"] = "finished"
                    return None
                if self.buffer and self.status in ("active", "finishing"):
                    wait = 0 if self.status == "finishing" else self._due()
                    if wait <= 0:
                        return self._take()
                    self.cond.wait(wait)
                    continue
                self.cond.wait(1.0)

    def _due(self) -> float:
        return self.params["delivery_frequency"] - (time.monotonic() - self.last_attempt)

    def _take(self):
        encoded, size = [], 0
        for item in self.buffer:
            data = item if item.__class__ is bytes else orjson.dumps(item)
            if encoded and size + len(data) > self.params["max_size"]:
                break
            encoded.append(data)
            size += len(data)
        return len(encoded), push_outputs.encode(self.params["format"], self.record, encoded)

    def _deliver(self, count: int, body: bytes) -> None:
        now = int(time.time())
        self.last_attempt = time.monotonic()
        try:
            if self.record["output_type"] == "http":
                push_outputs.post_http(self.record, self.params, body)
            else:
                self.batches += 1
                push_outputs.write_file(self.registry.push_dir, self.record, self.params, body, self.batches)
        except push_outputs.DeliveryFailed as exc:
            self._failed(str(exc), now)
            return
        with self.cond:
            for _ in range(count):
                self.buffer.popleft()
            self.record["interaction_count"] += count
            self.record["last_request"] = self.record["last_success"] = now
            self.cond.notify_all()
        message = ("Successfully delivered after delivery failure(s)" if self.failures
                   else f"Delivered {count} interactions ({len(body)} bytes)")
        self.failures = 0
        self.registry.log(self, True, message)

    def _failed(self, message: str, now: int) -> None:
        self.failures += 1
        self.record["last_request"] = now
        self.registry.log(self, False, message)
        with self.cond:
            if self.status == "finishing" and self.failures >= FINISH_ATTEMPTS:
                self.lost += len(self.buffer)
                self.buffer.clear()
                self.record["lost_data"] = True
                return
            self.cond.wait(min(RETRY_BASE * 2 ** (self.failures - 1), RETRY_MAX))


class PushRegistry:
    """Every push subscription of the server, by id."""

    def __init__(self, bus, settings):
        self.bus = bus
        self.push_dir = settings.push_dir
        self.buffer = getattr(settings, "push_buffer", BUFFER)
        self.lock = threading.Lock()
        self.subscriptions: dict[str, PushSubscription] = {}
        self.entries: deque = deque(maxlen=MAX_LOG)
        self.closing = threading.Event()

    def start(self, loop=None) -> None:
        self.closing.clear()

    def stop(self) -> None:
        """Shutdown: delivery threads end (undelivered data is discarded)."""
        self.closing.set()
        with self.lock:
            subscriptions = list(self.subscriptions.values())
        for subscription in subscriptions:
            with subscription.cond:
                subscription.cond.notify_all()
        deadline = time.monotonic() + STOP_WAIT
        for subscription in subscriptions:
            if subscription.thread is not None:
                subscription.thread.join(max(0.0, deadline - time.monotonic()))

    def log(self, subscription: PushSubscription, success: bool, message: str) -> None:
        self.entries.append({"request_time": int(time.time()), "success": success,
                             "subscription_id": subscription.record["id"], "message": message,
                             "_owner": subscription.owner})

    # -- life cycle ---------------------------------------------------------------------------
    def create(self, owner: str, *, name: str, output_type: str, output_params: dict, hash: str | None,
               historics_id: str | None, initial_status: str | None, start: int | None, end: int | None) -> dict:
        params = push_outputs.validate(output_type, output_params)
        if output_type not in ("http", "pull") and self.push_dir is None:
            raise ApiError(400, f"Output type {output_type} is delivered as files: start csdl serve with --push-dir")
        if initial_status not in (None, "", "active", "paused", "waiting_for_start"):
            raise ApiError(400, "initial_status must be active, paused or waiting_for_start")
        now = int(time.time())
        ident = hashlib.md5(os.urandom(16)).hexdigest()
        record = {"id": ident, "output_type": output_type, "name": name, "created_at": now,
                  "user_id": _user_id(owner), "hash": hash or historics_id,
                  "hash_type": "historic" if historics_id else "stream",
                  "output_params": _shown(output_params), "status": initial_status or "active",
                  "last_request": None, "last_success": None, "remaining_bytes": None, "interaction_count": 0,
                  "lost_data": False, "start": start or now, "end": end}
        subscription = PushSubscription(self, owner, record, params)
        with self.lock:
            if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
                raise ApiError(403, f"At most {MAX_SUBSCRIPTIONS} push subscriptions per server")
            self.subscriptions[ident] = subscription
        if hash:
            self.bus.subscribe(subscription, hash)
        if output_type != "pull":
            subscription.thread = threading.Thread(target=subscription.run, name=f"csdl-push-{ident[:8]}", daemon=True)
            subscription.thread.start()
        return subscription.view("create")

    def get(self, owner: str, ident: str) -> PushSubscription:
        with self.lock:
            subscription = self.subscriptions.get(ident)
        if subscription is None or subscription.owner != owner:
            raise ApiError(404, f"Push subscription {ident} not found")
        return subscription

    def listing(self, owner: str, *, hash=None, historics_id=None, include_finished=False) -> list[dict]:
        with self.lock:
            subscriptions = list(self.subscriptions.values())
        out = []
        for subscription in subscriptions:
            record = subscription.view()
            if subscription.owner != owner:
                continue
            if hash and (record["hash"] != hash or record["hash_type"] != "stream"):
                continue
            if historics_id and (record["hash"] != historics_id or record["hash_type"] != "historic"):
                continue
            if record["status"] == "finished" and not include_finished:
                continue
            out.append(record)
        return out

    def update(self, owner: str, ident: str, *, name: str | None, output_params: dict | None) -> dict:
        subscription = self.get(owner, ident)
        if output_params is not None:
            params = push_outputs.validate(subscription.record["output_type"], output_params)
            with subscription.cond:
                subscription.params = params
                subscription.record["output_params"] = _shown(output_params)
        if name:
            subscription.record["name"] = name
        return subscription.view("update")

    def change(self, owner: str, ident: str, action: str) -> dict:
        subscription = self.get(owner, ident)
        status = subscription.status
        allowed = {"pause": ("active",), "resume": ("paused", "waiting_for_start"),
                   "stop": ("active", "paused", "waiting_for_start")}[action]
        if status not in allowed:
            raise ApiError(400, f"Cannot {action} a subscription that is {status}")
        to = {"pause": "paused", "resume": "active", "stop": "finishing"}[action]
        if action == "stop":
            self.bus.unsubscribe(subscription)
            if subscription.pull is not None:
                to = "finished"
        subscription.set_status(to)
        return subscription.view("change")

    def delete(self, owner: str, ident: str) -> None:
        subscription = self.get(owner, ident)
        self.bus.unsubscribe(subscription)
        subscription.set_status("finished")
        with self.lock:
            self.subscriptions.pop(ident, None)

    def log_entries(self, owner: str, ident: str | None) -> list[dict]:
        if ident is not None:
            self.get(owner, ident)
        entries = [e for e in self.entries if e["_owner"] == owner and (ident is None or e["subscription_id"] == ident)]
        return [{k: v for k, v in e.items() if not k.startswith("_")} for e in reversed(entries)]

    # -- Historics ------------------------------------------------------------------------------
    def for_historics(self, historics_id: str) -> list[PushSubscription]:
        with self.lock:
            return [s for s in self.subscriptions.values()
                    if s.record["hash_type"] == "historic" and s.record["hash"] == historics_id]

    def deliver_historics(self, historics_id: str, interactions) -> int:
        delivered = 0
        for subscription in self.for_historics(historics_id):
            for item in interactions:
                while not subscription.offer(historics_id, item):
                    if self.closing.is_set() or not subscription.wait_for_room(1.0):
                        break
                else:
                    delivered += 1
        return delivered

    def historics_done(self, historics_id: str) -> None:
        for subscription in self.for_historics(historics_id):
            if subscription.status in ("active", "paused", "waiting_for_start"):
                subscription.set_status("finished" if subscription.pull is not None else "finishing")


def _user_id(owner: str) -> int:
    """A stable number for a username (DataSift answered its numeric user id)."""
    return int(hashlib.md5(owner.encode()).hexdigest()[:6], 16)


def _shown(params: dict) -> dict:
    """output_params as answered: as given (DataSift echoed them, credentials included)."""
    return dict(params)
