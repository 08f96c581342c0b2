"""csdl installed the way a user installs it, for the whole-process figures.

An editable install (``pip install -e .``) puts a finder on ``sys.path`` through a ``.pth`` file,
and that finder runs at every interpreter start: ``python -c pass`` itself gets about twice as
slow, so every ratio to it shrinks while csdl gets no faster. The start-up figures are therefore
taken from a wheel built from this checkout and installed into a fresh virtual environment,
against that environment's own ``python -c pass``.

The environment is kept under ``benchmarks/results/installed/<source hash>/`` and reused while
the sources (``csdl/``, ``grammar/``, ``pyproject.toml``) are unchanged, so ``--quick`` stays quick;
older ones are removed.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "benchmarks", "results", "installed")


def source_hash() -> str:
    digest = hashlib.sha256()
    paths = [os.path.join(ROOT, "pyproject.toml"), os.path.join(ROOT, "README.md")]
    for top in ("csdl", "grammar"):
        for directory, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            paths.extend(os.path.join(directory, f) for f in sorted(files) if not f.endswith((".pyc", ".pyo")))
    for path in paths:
        digest.update(os.path.relpath(path, ROOT).encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(f.read())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


class Installed:
    """A fresh virtual environment with csdl installed from a wheel: ``python`` and ``csdl`` paths."""

    def __init__(self, root: str):
        self.root = root
        self.python = os.path.join(root, "bin", "python")
        self.csdl = os.path.join(root, "bin", "csdl")
        self.wheel = next(iter(glob.glob(os.path.join(root, "wheel", "*.whl"))), None)

    def has(self, module: str) -> bool:
        return subprocess.run([self.python, "-c", f"import {module}"], capture_output=True).returncode == 0


def installed(log=print) -> Installed:
    """The environment for this checkout, built (wheel, venv, pip install) when missing."""
    key = source_hash()
    root = os.path.join(CACHE, key)
    done = os.path.join(root, ".complete")
    if not os.path.exists(done):
        log(f"building a wheel and installing it into a fresh venv ({os.path.relpath(root, ROOT)}) ...")
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        wheel_dir = os.path.join(root, "wheel")
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheel_dir, ROOT])
        _run([sys.executable, "-m", "venv", root])
        env = Installed(root)
        _run([env.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", env.wheel])
        # The interpreter compiles what it imports only when allowed to write bytecode; a user's
        # second run always finds the .pyc files, so the timed runs must too.
        _run([env.python, "-m", "compileall", "-q", os.path.join(root, "lib")])
        with open(done, "w") as f:
            f.write(key + "\n")
        for other in glob.glob(os.path.join(CACHE, "*")):
            if os.path.basename(other) != key:
                shutil.rmtree(other, ignore_errors=True)
    return Installed(root)


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmarks: {' '.join(argv[:4])} ... failed:\n{result.stdout}{result.stderr}")
