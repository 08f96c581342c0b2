"""PYLON recordings: ``pylon/start``, ``stop``, ``update``, ``get``, ``tags``, ``sample``, ``analyze``,
their 2015 names (``analysis/…``) and the 2016+ per-service routes (``pylon/<service>/…``).

A recording is a PYLON filter (a compiled hash) capturing, while it runs, the interactions its
filter matches on the live bus (``csdl serve --firehose``, ODP ingestion): a bus consumer like a
stream's. With ``--archive`` a new recording also captures what its filter matches there (ours:
PYLON indexed live data only). Its description lives in the store per user; the captured interactions live in memory
(at most ``INDEX_HELD`` per recording and ``MAX_RUNNING`` running recordings, ours), so a
restarted server has recordings with nothing captured yet.

As recorded (2015, ``/v1/pylon``): a recording is named by its ``hash``; ``start`` (``hash``,
``name``) and ``stop`` answer 204; ``stop`` of a stopped recording is 409 ``Subscription not
running``; a hash that is not 32 hex digits is 400 ``hash must be a valid hash``; an unknown one 404
``Subscription not found``; ``start`` without a name is 400 ``Missing param 'name'``. ``get`` answers
``{"volume", "start", "end", "status", "name", "reached_capacity", "hash",
"remaining_index_capacity", "remaining_account_capacity"}``, and without a hash the list of them.
From v1.3, and on every ``pylon/<service>/…`` route, a recording also has an ``id`` (40 hex digits):
``start`` answers 200 ``{"id"}`` and the other calls take ``id`` (or ``hash``); ``start`` with the
``id`` of a stopped recording (and no hash) runs it again (204; 409 while it runs).

``analyze`` (``parameters``, ``filter``: a PYLON filter over the recording's interactions,
``start``, ``end``) is ``csdl.server.pylon_analysis``; ``tags`` lists the tags of the captured
interactions; ``sample`` (``count``, at most 100, ``filter``, ``start``, ``end``) answers ``{"remaining",
"reset_at", "interactions"}`` (**ours**: 50 sample calls an hour, never enforced).
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
import time

from csdl.server import incoming
from csdl.server.bus import BusError, Sink
from csdl.server.errors import ApiError

TABLE = "recordings"
#: DataSift's recorded index capacity of a recording.
INDEX_CAPACITY = 1_000_000
#: Interactions of one recording held in memory (ours).
INDEX_HELD = 200_000
#: Recordings running at once on one server (ours: bounds the memory they hold).
MAX_RUNNING = 100
_HASH = re.compile(r"[0-9a-f]{32}")
_ID = re.compile(r"[0-9a-f]{40}")
SAMPLE_MAX = 100


class Recorder(Sink):
    """The interactions one running recording captured (a bus consumer that never blocks)."""

    def __init__(self, hash: str):
        self.hash = hash
        self.items: list[dict] = []
        self.lock = threading.Lock()
        self.full = False
        self.running = False

    def offer(self, hash: str, item: dict, raw: bytes | None = None) -> bool:
        if item.get("deleted"):
            return True  # a delete notification: PYLON's index removes the interaction (ours: ignored)
        with self.lock:
            if len(self.items) >= INDEX_HELD:
                self.full = True
            else:
                self.items.append(item)
        return True

    def wait_for_room(self, timeout: float) -> bool:
        return True

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.items)


class Recordings:
    """This server's recorders by recording id (their descriptions are in the store)."""

    def __init__(self, state):
        self.state = state
        self.recorders: dict[str, Recorder] = {}
        self.lock = threading.Lock()

    def recorder(self, id: str) -> Recorder | None:
        with self.lock:
            return self.recorders.get(id)

    def start(self, record: dict) -> None:
        existing = self.recorder(record["id"])
        with self.lock:
            running = sum(1 for r in self.recorders.values() if r.running)
        if existing is None and running >= MAX_RUNNING:
            raise ApiError(400, f"At most {MAX_RUNNING} recordings run at once on this server: stop one first")
        recorder = existing or Recorder(record["hash"])
        recorder.running = True
        try:
            self.state.live.bus.subscribe(recorder, record["hash"])
        except BusError as exc:
            raise ApiError(400, str(exc)) from None
        with self.lock:
            self.recorders[record["id"]] = recorder
        if existing is None and self.state.settings.archive is not None:
            threading.Thread(target=self._from_archive, args=(recorder,), name="csdl-pylon-archive", daemon=True).start()

    def _from_archive(self, recorder: Recorder) -> None:
        """A new recording also captures what its filter matches in ``--archive`` (ours), read by
        ``csdl.run`` as ``csdl run`` reads it."""
        import csdl
        from csdl.evaluate.posts import codec

        loads = codec()[0]

        class Capture:
            def write(self, data: bytes) -> None:
                for line in data.splitlines():
                    if line.strip():
                        recorder.offer(recorder.hash, loads(line))

        entry = self.state.library.resolve(recorder.hash)
        try:
            csdl.run(entry.tree, self.state.settings.archive, output=Capture(), library=self.state.library)
        except Exception as exc:  # the recording keeps what the bus gives it; the reason goes to stderr
            print(f"csdl serve: a PYLON recording could not read --archive: {type(exc).__name__}: {exc}",
                  file=sys.stderr)

    def stop(self, id: str) -> None:
        recorder = self.recorder(id)
        if recorder is not None:
            recorder.running = False
            self.state.live.bus.unsubscribe(recorder)


_REGISTRY_LOCK = threading.Lock()


def recordings(state) -> Recordings:
    with _REGISTRY_LOCK:
        found = getattr(state, "pylon_recordings", None)
        if found is None:
            found = state.pylon_recordings = Recordings(state)
        return found


def _by_id(call) -> bool:
    """Whether recordings are named by id here: the per-service routes and v1.3 on."""
    from csdl.server.versions import number

    return call.params.get("_service") is not None or number(call.version) >= (1, 3)


def _hash_param(call, *, required: bool = True) -> str | None:
    value = incoming.text(call.params, "hash", required=False)
    if value is None:
        if required:
            raise ApiError(400, "Missing param 'hash'")
        return None
    if not _HASH.fullmatch(value):
        raise ApiError(400, "hash must be a valid hash")
    return value


def _find(call) -> dict:
    """The recording an ``id`` or ``hash`` names (the newest of that hash)."""
    id = incoming.text(call.params, "id")
    store = call.state.store
    if id is not None:
        if not _ID.fullmatch(id):
            raise ApiError(400, "id must be a valid recording id")
        record = store.get_document(TABLE, id, call.user)
    else:
        hash = _hash_param(call)
        found, _ = store.list_documents(TABLE, call.user, limit=1_000, offset=0, match={"hash": hash})
        record = max(found, key=lambda r: r["created_at"]) if found else None
    if record is None:
        raise ApiError(404, "Subscription not found")
    return record


def _save(call, record: dict) -> None:
    call.state.store.update_document(TABLE, record["id"], call.user, lambda _old: record)


def start(call):
    if incoming.text(call.params, "id") is not None and incoming.text(call.params, "hash") is None:
        return _restart(call)
    hash = _hash_param(call)
    name = incoming.text(call.params, "name")
    if not name:
        raise ApiError(400, "Missing param 'name'")
    if len(name) > 255:
        raise ApiError(400, "name must be at most 255 characters")
    if call.state.library.resolve(hash) is None:
        raise ApiError(400, "hash must be a valid hash")
    now = int(time.time())
    existing, _ = call.state.store.list_documents(TABLE, call.user, limit=1_000, offset=0, match={"hash": hash})
    record = max(existing, key=lambda r: r["created_at"]) if existing and not _by_id(call) else None
    if record is None:
        record = {"id": secrets.token_hex(20), "hash": hash, "name": name, "status": "running", "start": now,
                  "end": None, "created_at": now, "service": call.params.get("_service") or "facebook"}
        recordings(call.state).start(record)
        call.state.store.put_document(TABLE, record["id"], call.user, record)
    else:  # v1: starting a hash again restarts its recording
        record.update(name=name, status="running", end=None)
        recordings(call.state).start(record)
        _save(call, record)
    if _by_id(call):
        return 200, {"id": record["id"]}
    return 204, None


def _restart(call):
    """``start`` with the ``id`` of a stopped recording (the Node client's form): it runs again."""
    record = _find(call)
    if record["status"] == "running":
        raise ApiError(409, "Subscription already running")
    name = incoming.text(call.params, "name")
    record.update(status="running", end=None, **({"name": name} if name else {}))
    recordings(call.state).start(record)
    _save(call, record)
    return 204, None


def stop(call):
    record = _find(call)
    if record["status"] != "running":
        raise ApiError(409, "Subscription not running")
    recordings(call.state).stop(record["id"])
    record.update(status="stopped", end=int(time.time()))
    _save(call, record)
    return 204, None


def update(call):
    record = _find(call)
    name = incoming.text(call.params, "name", required=True)
    if len(name) > 255:
        raise ApiError(400, "name must be at most 255 characters")
    record["name"] = name
    _save(call, record)
    return 204, None


def _view(call, record: dict) -> dict:
    recorder = recordings(call.state).recorder(record["id"])
    volume = len(recorder.items) if recorder is not None else 0
    view = {"volume": volume, "start": record["start"], "end": record["end"], "status": record["status"],
            "name": record["name"], "reached_capacity": bool(recorder and recorder.full), "hash": record["hash"],
            "remaining_index_capacity": max(0, INDEX_CAPACITY - volume), "remaining_account_capacity": 0}
    if _by_id(call):
        view = {"id": record["id"], **view}
    return view


def get(call):
    hash = incoming.text(call.params, "hash")
    if hash is not None and not _HASH.fullmatch(hash):
        raise ApiError(404, "Subscription not found")  # as recorded: get does not call it invalid
    if incoming.text(call.params, "id") is not None or hash is not None:
        return 200, _view(call, _find(call))
    records = call.state.store.all_documents(TABLE, call.user)
    records.sort(key=lambda r: r["created_at"], reverse=True)
    views = [_view(call, r) for r in records]
    if not _by_id(call):
        return 200, views
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=20, minimum=1, maximum=100)
    shown = views[(page - 1) * per_page: page * per_page]
    return 200, {"count": len(views), "page": page, "pages": max(1, -(-len(views) // per_page)),
                 "per_page": per_page, "subscriptions": shown}


def interactions(call, record: dict) -> list[dict]:
    """The recording's interactions, restricted by the call's ``filter``, ``start`` and ``end``."""
    from csdl.server.pylon_analysis import created_at

    recorder = recordings(call.state).recorder(record["id"])
    posts = recorder.snapshot() if recorder is not None else []
    start = incoming.integer(call.params, "start", minimum=0)
    end = incoming.integer(call.params, "end", minimum=0)
    if start is not None or end is not None:
        posts = [p for p in posts if _within(created_at(p), start, end)]
    text = incoming.text(call.params, "filter")
    if text:
        matcher = _query_filter(call, text)
        posts = [p for p in posts if matcher.match(p)]
    return posts


def _within(when, start, end) -> bool:
    return when is not None and (start is None or when >= start) and (end is None or when < end)


def _query_filter(call, text: str):
    """A PYLON analysis ``filter``, checked as ``pylon/validate`` checks it."""
    import csdl
    from csdl.diagnostics import CSDLError
    from csdl.evaluate import compile_matcher
    from csdl.server.errors import csdl_error_text
    from csdl.server.filters import api_checks

    try:
        compiled = csdl.compile(text, library=call.state.library, checks=api_checks("pylon"))
    except CSDLError as exc:
        raise ApiError(400, csdl_error_text(text, exc.diagnostics)) from None
    return compile_matcher(compiled.tree, library=call.state.library)


# validate and compile, with the 2015 created_at ---------------------------------------------------------


def _created_at_as_recorded(call, answer):
    from csdl.server.versions import pylon_created_at

    status, body = answer
    if status == 200 and isinstance(body, dict) and "created_at" in body:
        body["created_at"] = pylon_created_at(call.version, time.time(), body["created_at"])
    return status, body


def validate(call):
    from csdl.server import filters

    return _created_at_as_recorded(call, filters.pylon_validate(call))


def compile_(call):
    from csdl.server import filters

    return _created_at_as_recorded(call, filters.pylon_compile(call))


def analyze(call):
    from csdl.server import pylon_analysis

    if incoming.text(call.params, "id") is None:
        _hash_param(call)
    record = _find(call)
    spec = pylon_analysis.Spec(incoming.json_param(call.params, "parameters"))
    return 200, pylon_analysis.analyze(spec, interactions(call, record))


def tags(call):
    record = _find(call)
    seen: dict = {}
    for post in interactions(call, record):
        found = (post.get("interaction") or {}).get("tags") if isinstance(post.get("interaction"), dict) else None
        for tag in found or ():
            if isinstance(tag, str):
                seen.setdefault(tag, None)
    return 200, list(seen)


def sample(call):
    record = _find(call)
    count = incoming.integer(call.params, "count", default=10, minimum=1, maximum=SAMPLE_MAX)
    posts = interactions(call, record)
    picked = posts if len(posts) <= count else [posts[i * len(posts) // count] for i in range(count)]
    now = int(time.time())
    return 200, {"remaining": 50, "reset_at": now // 3600 * 3600 + 3600, "interactions": picked}
