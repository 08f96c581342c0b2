"""The store file: another application's SQLite database is refused untouched, a damaged store is
refused at start, ours is marked with its application_id, and a store that fails while serving
answers a JSON 503 that says what is wrong (never an opaque 500)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from server_fixtures import INSTAGRAM_SOURCE, Client, start_server  # noqa: E402



def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "csdl", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)


def application_id(path) -> int:
    db = sqlite3.connect(str(path))
    try:
        return db.execute("PRAGMA application_id").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("make", [
    lambda db: db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"),
    lambda db: db.execute("PRAGMA application_id = 1234"),
    lambda db: (db.execute("CREATE TABLE meta (key TEXT)"), db.execute("CREATE TABLE orders (id INTEGER)")),
])
def test_another_applications_database_is_refused_untouched(tmp_path, make):
    path = tmp_path / "theirs.db"
    db = sqlite3.connect(str(path))
    make(db)
    db.commit()
    db.close()
    before = path.read_bytes()
    result = run_cli("--store", str(path))
    assert result.returncode == 2, result
    assert "another application" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before and not os.path.exists(f"{path}-wal")


def test_our_store_is_marked_and_an_unmarked_older_store_is_adopted(tmp_path):
    from csdl.server.store import Store

    path = tmp_path / "ours.sqlite3"
    Store(str(path)).close()
    marked = application_id(path)
    assert marked != 0
    db = sqlite3.connect(str(path))
    db.execute("PRAGMA application_id = 0")  # as csdl wrote its stores before they were marked
    db.close()
    Store(str(path)).close()
    assert application_id(path) == marked


def damage(path, keep_pages: int = 2) -> None:
    """Overwrite every page after the first ``keep_pages`` with garbage."""
    db = sqlite3.connect(str(path))
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(page * keep_pages)
        f.write(b"\xa5" * (size - page * keep_pages))


def filled_store(path, sources: int = 60) -> None:
    from csdl.server.store import Store

    store = Store(str(path))
    for i in range(sources):
        store.put_document("sources", f"{i:032x}", "me", {**INSTAGRAM_SOURCE, "id": f"{i:032x}", "name": "x" * 500})
    store.close()


def test_a_damaged_store_is_refused_at_start(tmp_path):
    path = tmp_path / "damaged.sqlite3"
    filled_store(path)
    damage(path)
    result = run_cli("--store", str(path))
    assert result.returncode == 2, result
    assert "damaged" in result.stderr or "not a usable" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_store_failing_while_serving_is_a_503_that_says_why(tmp_path):
    path = tmp_path / "store.sqlite3"
    filled_store(path)
    url, stop = start_server(tmp_path, store=str(path))
    try:
        damage(path, keep_pages=3)
        reply = Client(url).get("/v1.6/source/get", query={"per_page": 500})
        assert reply.status == 503, reply
        assert "damaged" in reply.json()["error"] and reply.headers["content-type"] == "application/json"
        workbench = Client(url).get("/api/streams")
        assert workbench.status in (200, 503), workbench
    finally:
        stop()
