"""Where output goes: payloads to stdout (or ``-o FILE``, written atomically), logs to stderr,
colour only on a terminal and never with ``NO_COLOR``."""

from __future__ import annotations

import os
import sys

import click


class OutputError(click.ClickException):
    """The report could not be written: a usage problem, exit code 2."""

    exit_code = 2


def use_color(stream=None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def log(message: str, *, quiet: bool = False) -> None:
    if not quiet:
        click.echo(message, err=True)


def write_output(text: str, path: str | None) -> None:
    """Print ``text``, or write it to ``path`` through a temporary file so that a failure never
    leaves a half-written report behind."""
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
