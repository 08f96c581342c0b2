"""What DATA names: a JSON Lines file (``.gz`` too), a Parquet file, a directory of them, or a
glob. Everything is resolved to a sorted list of files of one kind before an engine starts, so
that a glob matching nothing or a mix of formats is our clear message, not an engine's."""

from __future__ import annotations

import glob
import os
import re

from csdl.evaluate.posts import PARQUET_MAGIC

from . import EngineError

JSONL, PARQUET = "jsonl", "parquet"
# A URL Spark reads itself (hdfs://, s3a://, gs://, abfss://, dbfs:/, file:/): not listed here.
REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:/")
_JSON_ENDINGS = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz")


def open_bytes(path: str):
    """``path``'s bytes, gunzipped when they start with gzip's magic bytes (whatever the file is
    called): a binary file that closes what it opened."""
    import gzip

    raw = open(path, "rb")  # noqa: SIM115 - returned (or closed) here
    if raw.read(2) == b"\x1f\x8b":
        raw.close()
        return gzip.open(path, "rb")
    raw.seek(0)
    return raw


def kind_of(path: str) -> str:
    name = path.lower()
    if name.endswith(".parquet") or name.endswith(".parq"):
        return PARQUET
    try:
        with open(path, "rb") as f:
            if f.read(4) == PARQUET_MAGIC:
                return PARQUET
    except OSError:
        pass
    return JSONL


class Data:
    def __init__(self, spec: str, files: list[str], kind: str, *, remote: bool = False):
        self.spec = spec
        self.files = files
        self.kind = kind
        self.remote = remote  # a URL only Spark reads: ``files`` is the URL itself

    def __repr__(self) -> str:
        return f"Data({self.spec!r}, {len(self.files)} {self.kind} files)"


def resolve(spec: str) -> Data:
    """The files DATA names, all of one kind. Raises EngineError with what was wrong."""
    if spec == "-":
        raise EngineError("the SQL engines read files, not standard input (use --engine python for -)")
    if REMOTE.match(spec):
        return _remote(spec)
    if os.path.isdir(spec):
        files = sorted(
            os.path.join(root, name)
            for root, _, names in os.walk(spec)
            for name in names
            if not name.startswith((".", "_")) and (name.lower().endswith(_JSON_ENDINGS) or name.lower().endswith(".parquet"))
        )
        if not files:
            raise EngineError(f"{spec}: the directory holds no .jsonl, .json, .jsonl.gz or .parquet files")
    elif any(ch in spec for ch in "*?["):
        files = sorted(f for f in glob.glob(spec, recursive=True) if os.path.isfile(f))
        if not files:
            raise EngineError(f"{spec}: no file matches this pattern")
    elif os.path.isfile(spec):
        files = [spec]
    elif os.path.exists(spec):
        raise EngineError(f"{spec}: not a regular file")
    else:
        raise EngineError(f"{spec}: no such file or directory")
    kinds = {kind_of(f) for f in files}
    if len(kinds) > 1:
        raise EngineError(f"{spec}: mixes JSON Lines and Parquet files; run each format on its own")
    return Data(spec, files, kinds.pop())


def _remote(spec: str) -> Data:
    """A URL for Spark: its format from the name (a file, or a glob naming the files)."""
    name = spec.lower().rstrip("/")
    if name.endswith((".parquet", ".parq")):
        return Data(spec, [spec], PARQUET, remote=True)
    if name.endswith(_JSON_ENDINGS):
        return Data(spec, [spec], JSONL, remote=True)
    raise EngineError(f"{spec}: name the files of a remote directory with a glob ending in .parquet or .jsonl "
                      f"(e.g. {spec.rstrip('/')}/*.parquet)")
