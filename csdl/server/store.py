"""The server's state in one SQLite file (standard library ``sqlite3``, WAL journal).

Everything the API creates lives here: compiled streams (canonical CSDL by hash), Historics
queries, previews, Managed Sources and Data365 tasks. WAL lets readers run beside a writer, and
several processes may open the same file: every change is one transaction, and changes that read
before they write (a source update, a task state change) take the write lock first
(``BEGIN IMMEDIATE``), so two servers on one store never lose or duplicate a row.

A connection belongs to the thread that opened it; each thread (the event loop, the worker
threads) gets its own. ``:memory:`` is refused: it could not be shared between them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS streams (
    hash TEXT PRIMARY KEY,
    csdl TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT 'stream',
    dpu TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS historics (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS previews (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS identities (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS recordings (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS source_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    success INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS source_log_by_source ON source_log (source_id, seq);
CREATE TABLE IF NOT EXISTS tokens (
    owner TEXT NOT NULL,
    provider TEXT NOT NULL,
    token TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (owner, provider)
);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_source ON tasks (owner, source, seq);
CREATE TABLE IF NOT EXISTS stream_owners (
    owner TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner, hash)
);
CREATE TABLE IF NOT EXISTS stream_facts (hash TEXT PRIMARY KEY, facts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stream_refs (hash TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY (hash, ref));
CREATE INDEX IF NOT EXISTS stream_refs_by_ref ON stream_refs (ref);
"""
# Marks the file as a csdl store (SQLite's application_id header field): "CSDL".
APPLICATION_ID = 0x4353444C
_OUR_TABLES = frozenset({"meta", "streams", "historics", "previews", "sources", "source_log", "tokens", "tasks",
                         "stream_owners", "stream_facts", "stream_refs", "sqlite_sequence",
                         "identities", "recordings"})


class StoreError(Exception):
    """The store file cannot be opened or is not ours."""


class Unstorable(ValueError):
    """A value the store refuses to keep: it could not be written back as JSON (``values.problem``)."""


def unavailable(exc: Exception, path: str) -> str:
    """What is wrong with the store, in words, for a SQLite error raised while serving (a 503)."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return f"the store {path} is read-only: nothing can be saved"
    if "full" in text:
        return f"the disk holding the store {path} is full"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return f"the store {path} is damaged (restore it or start with another --store)"
    if "locked" in text or "busy" in text:
        return f"the store {path} is locked by another process; try again"
    if "unable to open" in text or "disk i/o" in text:
        return f"the store {path} cannot be read or written ({exc})"
    return f"the store {path} cannot be used ({exc})"


class Store:
    """The SQLite store at ``path``. Thread-safe: one connection per thread."""

    def __init__(self, path: str, *, busy_timeout: float = 10.0):
        if path == ":memory:" or not path:
            raise StoreError("the store must be a file (several threads and servers share it)")
        self.path = os.path.abspath(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        directory = os.path.dirname(self.path)
        if directory and not os.path.isdir(directory):
            raise StoreError(f"{path}: the directory {directory} does not exist")
        try:
            _check_file(path, self.path)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a usable SQLite database ({exc})") from None

    # Connections -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                # Used only by the thread that opened it; check_same_thread=False lets close()
                # (at shutdown, on the event loop's thread) close the worker threads' connections.
                db = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                     check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                # NORMAL is durable across application crashes in WAL mode; only a power cut
                # may lose the last transactions, never corrupt the file.
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot open it as a SQLite store ({exc})") from None
            db.row_factory = sqlite3.Row
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    @contextmanager
    def write(self):
        """A write transaction that holds the write lock from its start (no lost updates)."""
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._connect()

    def _migrate(self) -> None:
        with self.write() as db:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise StoreError(f"{self.path}: store schema {row[0]}, this csdl knows {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close every thread's connection (at shutdown, after the last request)."""
        with self._lock:
            connections, self._all = self._all, []
        for db in connections:
            try:
                db.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    # Streams -----------------------------------------------------------------------------------

    def put_stream(self, hash: str, csdl_text: str, *, platform: str = "stream", dpu: str | None = None,
                   owner: str | None = None, facts: dict | None = None, references=()) -> None:
        """Keep ``csdl_text`` under ``hash`` (a hash already stored keeps its first text and date),
        who compiled it, and what the stream list shows of it (``facts``, its ``references``)."""
        _dumps(csdl_text)
        facts_text = _dumps(facts) if facts is not None else None
        now = int(time.time())
        hash = hash.lower()
        with self.write() as db:
            db.execute(
                "INSERT OR IGNORE INTO streams (hash, csdl, platform, dpu, created_at) VALUES (?, ?, ?, ?, ?)",
                (hash, csdl_text, platform, dpu, now),
            )
            if owner is not None:
                db.execute("INSERT OR IGNORE INTO stream_owners (owner, hash, created_at) VALUES (?, ?, ?)",
                           (owner, hash, now))
            if facts_text is not None:
                _put_facts(db, hash, facts_text, references)

    def put_stream_facts(self, hash: str, facts: dict, references=()) -> None:
        """What the list shows of a stream stored without it (by an older version)."""
        facts_text = _dumps(facts)
        with self.write() as db:
            _put_facts(db, hash.lower(), facts_text, references)

    def get_stream(self, hash: str) -> str | None:
        row = self.read().execute("SELECT csdl FROM streams WHERE hash = ?", (hash.lower(),)).fetchone()
        return None if row is None else row[0]

    def stream_record(self, hash: str) -> dict | None:
        row = self.read().execute("SELECT * FROM streams WHERE hash = ?", (hash.lower(),)).fetchone()
        return None if row is None else dict(row)

    def list_streams(self) -> list[dict]:
        rows = self.read().execute("SELECT hash, csdl, platform, dpu, created_at FROM streams ORDER BY created_at, hash")
        return [dict(r) for r in rows]

    def stream_page(self, *, owner: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
        """A page of stored streams, the last stored first, with their listed facts (None when not known
        yet), and their total count; with ``owner``, only the streams that owner compiled."""
        db = self.read()
        if owner is None:
            count = db.execute("SELECT COUNT(*) FROM streams").fetchone()[0]
            rows = db.execute("SELECT s.hash, s.csdl, s.platform, s.created_at, f.facts FROM streams s "
                              "LEFT JOIN stream_facts f ON f.hash = s.hash "
                              "ORDER BY s.rowid DESC LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        else:
            count = db.execute("SELECT COUNT(*) FROM stream_owners WHERE owner = ?", (owner,)).fetchone()[0]
            rows = db.execute("SELECT s.hash, s.csdl, s.platform, o.created_at, f.facts FROM stream_owners o "
                              "JOIN streams s ON s.hash = o.hash LEFT JOIN stream_facts f ON f.hash = o.hash "
                              "WHERE o.owner = ? ORDER BY o.rowid DESC LIMIT ? OFFSET ?",
                              (owner, limit, offset)).fetchall()
        return [{**dict(r), "facts": _loads_or_none(r["facts"])} for r in rows], count

    def stream_facts(self, hash: str) -> dict | None:
        row = self.read().execute("SELECT facts FROM stream_facts WHERE hash = ?", (hash.lower(),)).fetchone()
        return None if row is None else _loads_or_none(row[0])

    def owns_stream(self, owner: str, hash: str) -> bool:
        return self.read().execute("SELECT 1 FROM stream_owners WHERE owner = ? AND hash = ?",
                                   (owner, hash.lower())).fetchone() is not None

    def referrers(self, hashes: list[str], owner: str | None = None) -> dict[str, list[str]]:
        """For each of ``hashes``, the stored streams (the owner's, with ``owner``) that name it."""
        if not hashes:
            return {}
        marks = ",".join("?" * len(hashes))
        sql = f"SELECT ref, hash FROM stream_refs WHERE ref IN ({marks})"  # noqa: S608 - marks only
        args: list = list(hashes)
        if owner is not None:
            sql += " AND hash IN (SELECT hash FROM stream_owners WHERE owner = ?)"
            args.append(owner)
        out: dict[str, list[str]] = {}
        for ref, hash in self.read().execute(sql + " ORDER BY hash", args):
            out.setdefault(ref, []).append(hash)
        return out

    # Documents (historics, previews, sources): a JSON body per id, owned by one user ------------

    def put_document(self, table: str, id: str, owner: str, body: dict, *, guard=None) -> None:
        """Insert a new document; ``guard(db)`` runs first inside the same transaction and may
        raise to refuse it (checks against the owner's other documents)."""
        _check_table(table)
        with self.write() as db:
            if guard is not None:
                guard(db)
            if table == "sources":
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sources").fetchone()[0]
                db.execute("INSERT INTO sources (id, owner, body, created_at, seq) VALUES (?, ?, ?, ?, ?)",
                           (id, owner, _dumps(body), int(time.time()), seq))
            else:
                db.execute(f"INSERT INTO {table} (id, owner, body, created_at) VALUES (?, ?, ?, ?)",  # noqa: S608 - table checked
                           (id, owner, _dumps(body), int(time.time())))

    def get_document(self, table: str, id: str, owner: str) -> dict | None:
        _check_table(table)
        row = self.read().execute(f"SELECT body FROM {table} WHERE id = ? AND owner = ?", (id, owner)).fetchone()  # noqa: S608
        return None if row is None else json.loads(row[0])

    def list_documents(self, table: str, owner: str, *, limit: int, offset: int,
                       match: dict | None = None) -> tuple[list[dict], int]:
        """A page of the owner's documents (oldest first) and their total count; ``match`` keeps
        those whose top-level fields have the given values."""
        _check_table(table)
        order = "seq" if table == "sources" else "created_at, id"
        where, args = "owner = ?", [owner]
        for key, value in (match or {}).items():
            where += " AND json_extract(body, ?) = ?"
            args += [f"$.{key}", value]
        db = self.read()
        count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", args).fetchone()[0]  # noqa: S608
        rows = db.execute(f"SELECT body FROM {table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
                          (*args, limit, offset)).fetchall()
        return [json.loads(r[0]) for r in rows], count

    def all_documents(self, table: str, owner: str) -> list[dict]:
        _check_table(table)
        rows = self.read().execute(f"SELECT body FROM {table} WHERE owner = ?", (owner,)).fetchall()  # noqa: S608
        return [json.loads(r[0]) for r in rows]

    def delete_document(self, table: str, id: str, owner: str) -> bool:
        _check_table(table)
        with self.write() as db:
            gone = db.execute(f"DELETE FROM {table} WHERE id = ? AND owner = ?", (id, owner)).rowcount  # noqa: S608
            if table == "sources" and gone:
                db.execute("DELETE FROM source_log WHERE source_id = ?", (id,))
        return bool(gone)

    def update_document(self, table: str, id: str, owner: str, change, *, log: str | None = None) -> dict | None:
        """Apply ``change(body) -> new body`` under the write lock; None if there is no such row.
        ``change`` may raise to leave the row untouched. ``log`` adds a source log entry."""
        _check_table(table)
        with self.write() as db:
            row = db.execute(f"SELECT body FROM {table} WHERE id = ? AND owner = ?", (id, owner)).fetchone()  # noqa: S608
            if row is None:
                return None
            body = change(json.loads(row[0]))
            db.execute(f"UPDATE {table} SET body = ? WHERE id = ?", (_dumps(body), id))  # noqa: S608
            if log is not None and table == "sources":
                db.execute("INSERT INTO source_log (source_id, event_time, success, message) VALUES (?, ?, 1, ?)",
                           (id, int(time.time()), log))
        return body

    # Source log ----------------------------------------------------------------------------------

    def source_log(self, source_id: str, *, limit: int, offset: int) -> tuple[list[dict], int]:
        db = self.read()
        count = db.execute("SELECT COUNT(*) FROM source_log WHERE source_id = ?", (source_id,)).fetchone()[0]
        rows = db.execute("SELECT seq, event_time, success, message FROM source_log WHERE source_id = ? "
                          "ORDER BY seq DESC LIMIT ? OFFSET ?", (source_id, limit, offset)).fetchall()
        return [{"id": str(r["seq"]), "event_time": r["event_time"], "success": bool(r["success"]),
                 "message": r["message"]} for r in rows], count

    # Data365 ----------------------------------------------------------------------------------------

    def put_token(self, owner: str, provider: str, token: str) -> None:
        with self.write() as db:
            db.execute("INSERT INTO tokens (owner, provider, token, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (owner, provider) DO UPDATE SET token = excluded.token, updated_at = excluded.updated_at",
                       (owner, provider, token, int(time.time())))

    def get_token(self, owner: str, provider: str) -> str | None:
        row = self.read().execute("SELECT token FROM tokens WHERE owner = ? AND provider = ?", (owner, provider)).fetchone()
        return None if row is None else row[0]

    def add_tasks(self, owner: str, source: str, tasks: list[tuple[str, dict]]) -> None:
        """Insert ``(id, body)`` tasks in one transaction, in order, as ``created``."""
        now = time.time()
        with self.write() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM tasks").fetchone()[0]
            db.executemany(
                "INSERT INTO tasks (id, owner, source, body, status, created_at, seq) VALUES (?, ?, ?, ?, 'created', ?, ?)",
                [(task_id, owner, source, _dumps(body), now, seq + i + 1) for i, (task_id, body) in enumerate(tasks)],
            )

    def tasks(self, owner: str, source: str, task_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM tasks WHERE owner = ? AND source = ?"
        args: tuple = (owner, source)
        if task_id is not None:
            sql += " AND id = ?"
            args += (task_id,)
        rows = self.read().execute(sql + " ORDER BY seq", args).fetchall()
        return [_task_row(r) for r in rows]

    def set_task_status(self, owner: str, source: str, task_id: str | None, *, to: str, only_from: tuple[str, ...]) -> list[dict]:
        """Move the task (or every task of ``source`` when ``task_id`` is None) whose status is in
        ``only_from`` to ``to``; returns the rows changed."""
        now = time.time()
        stamp = {"running": "started_at", "cancelled": "finished_at", "complete": "finished_at"}.get(to)
        marks = ",".join("?" * len(only_from))
        where = f"owner = ? AND source = ? AND status IN ({marks})"
        args: tuple = (owner, source, *only_from)
        if task_id is not None:
            where += " AND id = ?"
            args += (task_id,)
        with self.write() as db:
            ids = [r[0] for r in db.execute(f"SELECT id FROM tasks WHERE {where}", args)]  # noqa: S608 - marks only
            if ids:
                id_marks = ",".join("?" * len(ids))
                extra = f", {stamp} = ?" if stamp else ""
                db.execute(f"UPDATE tasks SET status = ?{extra} WHERE id IN ({id_marks})",  # noqa: S608
                           (to, *((now,) if stamp else ()), *ids))
            rows = db.execute(f"SELECT * FROM tasks WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall() if ids else []
        return [_task_row(r) for r in rows]

    def complete_due_tasks(self, delay: float) -> None:
        """Running tasks started ``delay`` seconds ago or more become ``complete``."""
        now = time.time()
        db = self.read()
        if db.execute("SELECT 1 FROM tasks WHERE status = 'running' AND started_at <= ? LIMIT 1", (now - delay,)).fetchone() is None:
            return
        with self.write() as db:
            db.execute("UPDATE tasks SET status = 'complete', finished_at = started_at + ? "
                       "WHERE status = 'running' AND started_at <= ?", (delay, now - delay))

    def delete_task(self, owner: str, source: str, task_id: str) -> bool:
        with self.write() as db:
            return bool(db.execute("DELETE FROM tasks WHERE owner = ? AND source = ? AND id = ?",
                                   (owner, source, task_id)).rowcount)

    def counts(self) -> dict:
        db = self.read()
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
                for table in ("streams", "historics", "previews", "sources", "tasks")}


_TABLES = frozenset({"historics", "previews", "sources", "identities", "recordings"})


def _put_facts(db, hash: str, facts_text: str, references) -> None:
    db.execute("INSERT OR REPLACE INTO stream_facts (hash, facts) VALUES (?, ?)", (hash, facts_text))
    db.executemany("INSERT OR IGNORE INTO stream_refs (hash, ref) VALUES (?, ?)",
                   [(hash, ref.lower()) for ref in references])


def _loads_or_none(text):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # written by hand or damaged: worked out again
        return None


def _dumps(body) -> str:
    from csdl.server.values import problem

    refused = problem(body, "the record")
    if refused is not None:
        raise Unstorable(refused)
    return json.dumps(body)


def _check_file(shown: str, path: str) -> None:
    """Refuse, before anything is written to it, a file we cannot write, another application's
    database, or a damaged one."""
    directory = os.path.dirname(path) or "."
    if not os.path.exists(path):
        if not os.access(directory, os.W_OK):
            raise StoreError(f"{shown}: cannot create the store: the directory {directory} is not writable")
        return
    if not os.path.isfile(path):
        raise StoreError(f"{shown}: not a regular file")
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(directory, os.W_OK):
        raise StoreError(f"{shown}: the store (or its directory, for the journal) is not writable")
    if os.path.getsize(path) == 0:
        return
    db = sqlite3.connect(path, timeout=10)
    try:
        application = db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        ours = application == APPLICATION_ID or (
            application == 0 and tables <= _OUR_TABLES and ("meta" in tables or not tables))  # empty, or an older csdl
        if not ours:
            raise StoreError(f"{shown}: another application's SQLite database (application_id {application}, "
                             f"tables {', '.join(sorted(tables)[:5]) or 'none'}): give --store a file of its own")
        damage = db.execute("PRAGMA quick_check").fetchone()[0]
        if damage != "ok":
            raise StoreError(f"{shown}: the store is damaged ({damage[:200]}): restore it or start with another --store")
    finally:
        db.close()


def _check_table(table: str) -> None:
    if table not in _TABLES:
        raise ValueError(f"not a document table: {table}")


def _task_row(row) -> dict:
    return {"id": row["id"], "source": row["source"], "body": json.loads(row["body"]), "status": row["status"],
            "created_at": row["created_at"], "started_at": row["started_at"], "finished_at": row["finished_at"]}
