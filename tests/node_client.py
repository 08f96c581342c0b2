"""DataSift's official Node client (``datasift-node`` 1.5.0 from the npm registry) for tests.

``npm install datasift-node`` fails: its package.json lists the Node built-ins ``http`` and
``events`` as npm dependencies, which have no versions on the registry. So the tarball is fetched
with ``npm pack``, unpacked into ``node_modules/datasift-node``, and the two dependencies it really
needs (``request`` 2.33, ``nopt``) are installed beside it. The result is cached under
``$TMPDIR/csdl-datasift-node-<version>`` so that later runs start at once.

``client_dir()`` is that directory (``None`` when node/npm are missing or the registry cannot be
reached, after which ``node_or_skip()`` skips the calling test, or fails it under CI, which installs
them). ``run_script(js,
timeout)`` runs a script there and returns its parsed JSON output (the script's last line).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile

VERSION = "1.5.0"
_BASE = os.path.join(tempfile.gettempdir(), f"csdl-datasift-node-{VERSION}")
_failure: str | None = None


def client_dir() -> str | None:
    """The directory whose node_modules holds the client, installing it on first use."""
    global _failure
    marker = os.path.join(_BASE, "node_modules", "datasift-node", ".csdl-ready")
    if os.path.exists(marker):
        return _BASE
    if _failure is not None:
        return None
    if not shutil.which("node") or not shutil.which("npm"):
        _failure = "node and npm are not installed"
        return None
    work = tempfile.mkdtemp(prefix="csdl-node-")
    try:
        # npm would prune a package it was not asked for: install the dependencies first.
        with open(os.path.join(work, "package.json"), "w", encoding="utf-8") as f:
            json.dump({"name": "csdl-node-client-test", "private": True,
                       "dependencies": {"request": "2.33", "nopt": "*"}}, f)
        _npm(["install", "--no-audit", "--no-fund"], work)
        _npm(["pack", f"datasift-node@{VERSION}"], work)
        tarball = next(name for name in os.listdir(work) if name.endswith(".tgz"))
        target = os.path.join(work, "node_modules", "datasift-node")
        os.makedirs(target)
        with tarfile.open(os.path.join(work, tarball)) as archive:
            for member in archive.getmembers():
                if not member.name.startswith("package/") or ".." in member.name.split("/"):
                    continue
                member.name = member.name[len("package/"):]
                if member.isfile() or member.isdir():
                    # the "data" filter where this Python has it (3.10.12+); the names were checked above
                    extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                    archive.extract(member, target, **extra)
        open(os.path.join(target, ".csdl-ready"), "w").close()
        if os.path.exists(_BASE):
            shutil.rmtree(_BASE, ignore_errors=True)
        os.replace(work, _BASE)
        return _BASE
    except (OSError, subprocess.SubprocessError, StopIteration, tarfile.TarError) as exc:
        _failure = f"could not install datasift-node {VERSION}: {exc}"
        shutil.rmtree(work, ignore_errors=True)
        return None


def failure() -> str | None:
    return _failure


def node_or_skip():
    """This module, once the client is installed; without it the calling test skips, or fails under CI."""
    import sys

    import pytest

    if client_dir() is None:
        if os.environ.get("CI"):
            pytest.fail(f"the Node client is needed under CI: {failure()}")
        pytest.skip(failure() or "no Node client")
    return sys.modules[__name__]


def _npm(args: list[str], cwd: str) -> None:
    subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, timeout=240,
                   env={**os.environ, "npm_config_update_notifier": "false"})


def run_script(script: str, timeout: float = 60) -> dict:
    """Run ``script`` with node in the client's directory; its last output line is JSON."""
    base = client_dir()
    assert base is not None, _failure
    path = os.path.join(base, f"script-{os.getpid()}-{id(script)}.js")
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    try:
        done = subprocess.run(["node", path], cwd=base, capture_output=True, text=True, timeout=timeout)
    finally:
        os.unlink(path)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"node exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])
