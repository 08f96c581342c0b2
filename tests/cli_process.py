"""Running ``python -m csdl`` as a user would: in a subprocess, or with its output on a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTER = 'twitter.text contains "coffee"\n'


def run(*args, cwd=ROOT, stdin=None, env=None, **kwargs):
    environment = dict(os.environ, NO_COLOR="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "csdl", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=environment, **kwargs)


def on_a_terminal(args, env):
    """Run with stdout and stderr on a pseudo-terminal; returns what the terminal showed."""
    import pty

    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env)
    process = subprocess.Popen([sys.executable, "-m", "csdl", *args], stdout=slave, stderr=slave, env=environment,
                               cwd=ROOT)
    return _terminal_text(master, slave, process, 60)


def stderr_on_a_terminal(args, cwd):
    """Run with stderr on a pseudo-terminal and stdout on a pipe; returns (stdout, terminal text)."""
    import pty
    import tempfile

    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "CSDL_NO_PROGRESS")}
    # stdout goes to a file, not a pipe: the terminal is read to its end first, and a child writing
    # megabytes to a pipe nobody reads yet would block forever.
    out = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "csdl", *args], stdout=out, stderr=slave,
                               env=dict(environment, NO_COLOR="1"), cwd=cwd)
    terminal = _terminal_text(master, slave, process, 120)
    out.seek(0)
    stdout = out.read().decode()
    out.close()
    return stdout, terminal


def _terminal_text(master: int, slave: int, process, timeout: float) -> str:
    """Everything ``process`` wrote to the pseudo-terminal ``master``/``slave`` until it closed it."""
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")
