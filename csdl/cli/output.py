"""Where output goes: payloads to stdout (or ``-o FILE``, written atomically), logs to stderr,
colour only on a terminal and never with ``NO_COLOR``."""

from __future__ import annotations

import os
import sys

import click


def error(message: str) -> None:
    """``error: message`` on stderr: the one voice of every failure (as ruff says it); the command
    then exits 2."""
    click.echo(f"error: {message}", err=True)


def warning(message: str, *, quiet: bool = False) -> None:
    """``warning: message`` on stderr (not with ``--quiet``)."""
    if not quiet:
        click.echo(f"warning: {message}", err=True)


def note(message: str, *, quiet: bool = False) -> None:
    """``note: message`` on stderr (not with ``--quiet``)."""
    if not quiet:
        click.echo(f"note: {message}", err=True)


#: Inputs named on the command line that could not be read, in this invocation. The commands
#: report each as they report any file (E009 in ``check``), and ``csdl.cli.main`` turns the exit
#: code into 2: a missing input is an error of the invocation in every command, as in ``run``.
unreadable_inputs: list[str] = []


class UsageProblem(click.ClickException):
    """A configuration, pricing or input problem: ``error: …`` on stderr, exit code 2 (the
    same words every command uses)."""

    exit_code = 2

    def show(self, file=None) -> None:
        error(self.format_message())


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


class _NoProgress:
    """What ``progress`` returns when no bar is shown: the same interface, doing nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def update(self, n: int = 1) -> None:
        pass


def progress(length: int, label: str, *, quiet: bool = False, machine: bool = False, minimum: int = 1):
    """A progress bar on stderr (``with progress(n, "Checking") as bar: … bar.update(1)``), shown
    only when stderr is a terminal, never with ``--quiet`` or a machine format, never in CI, and
    only for work of at least ``minimum`` units."""
    if (quiet or machine or length < minimum or os.environ.get("CI") or os.environ.get("CSDL_NO_PROGRESS")
            or not getattr(sys.stderr, "isatty", lambda: False)()):
        return _NoProgress()
    return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, show_percent=True,
                             color=use_color(sys.stderr))


def counted(lines, bar, every: int = 2048):
    """``lines`` (bytes) unchanged, advancing ``bar`` by the bytes read, every ``every`` lines."""
    done = n = 0
    for line in lines:
        done += len(line)
        n += 1
        if n == every:
            bar.update(done)
            done = n = 0
        yield line
    bar.update(done)


def log(message: str, *, quiet: bool = False) -> None:
    if not quiet:
        click.echo(message, err=True)


def write_output(text: str, path: str | None) -> None:
    """Print ``text``, or write it to ``path`` (see ``write_file``)."""
    if path is None or path == "-":
        click.echo(text, nl=False)
        return
    try:
        write_file(path, text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_file(path: str, text: str, *, bom: bool = False) -> None:
    """Write ``text`` (UTF-8, line endings as given; after a byte-order mark when ``bom``, as the
    file had one) to ``path`` without clobbering anything (see ``AtomicWriter``). Raises
    ``OSError``; a directory is refused with ``IsADirectoryError``, a read-only file with
    ``PermissionError``."""
    writer = AtomicWriter(path)
    try:
        writer.write((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape"))
    except BaseException:
        writer.discard()
        raise
    writer.commit()


class AtomicWriter:
    """Bytes written to ``path`` without clobbering anything:

    * a symlink is followed, and its target is written (the link stays a link);
    * a device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe) is written directly,
      never replaced by a regular file;
    * a regular file is replaced atomically: the bytes go to a temporary file beside the target,
      which takes the target's mode (and owner, where allowed) and is renamed over it by
      ``commit()``, so a failure (``discard()``) never leaves a half-written file; a new file gets
      the default mode (``0666 & ~umask``);
    * a file with several hard links is rewritten in place by ``commit()`` (from the complete
      temporary file), so that every name still shows the new bytes;
    * a read-only file (no write permission bit, or none for us) is refused, as black and ruff do:
      the rename would replace what its owner protected.

    The constructor raises ``OSError`` (``IsADirectoryError`` for a directory, ``PermissionError``
    for a read-only file)."""

    def __init__(self, path: str):
        import stat
        import tempfile

        self.path = path
        self.target = os.path.realpath(path)
        try:
            self.info = os.stat(self.target)
        except FileNotFoundError:
            self.info = None
        if self.info is not None and stat.S_ISDIR(self.info.st_mode):
            raise IsADirectoryError(21, "is a directory", path)
        if self.info is not None and stat.S_ISREG(self.info.st_mode) and (
                not self.info.st_mode & 0o222 or not os.access(self.target, os.W_OK)):
            raise PermissionError(13, "the file is read-only (make it writable to let csdl rewrite it)", path)
        if self.info is not None and not stat.S_ISREG(self.info.st_mode):
            self.tmp = None
            self.file = open(self.target, "wb")  # noqa: SIM115 - closed by commit/discard
        else:
            directory, name = os.path.split(self.target)
            fd, self.tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
            self.file = os.fdopen(fd, "wb")
        self.write = self.file.write

    def commit(self) -> None:
        import stat

        self.file.close()
        if self.tmp is None:
            return
        try:
            if self.info is not None and self.info.st_nlink > 1:
                self._copy_in_place()
                return
            if self.info is not None:
                os.chmod(self.tmp, stat.S_IMODE(self.info.st_mode))
                try:
                    os.chown(self.tmp, self.info.st_uid, self.info.st_gid)
                except OSError:
                    pass  # not ours to give away: the mode is still kept
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self.tmp, 0o666 & ~umask)
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise

    def _copy_in_place(self) -> None:
        """The finished temporary file's bytes written over the target's own (its inode, links,
        mode and owner stay); then the temporary file goes."""
        import shutil

        with open(self.tmp, "rb") as source, open(self.target, "r+b") as target:
            shutil.copyfileobj(source, target)
            target.truncate()
        os.unlink(self.tmp)

    def discard(self) -> None:
        self.file.close()
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass


class ParquetWriter:
    """Matching posts written as Parquet to ``path`` (``-o FILE.parquet``, every engine): they are
    collected as JSON Lines in a temporary file beside the target, converted by DuckDB when the run
    ends, and reach the target through ``AtomicWriter`` (a symlink stays a link, the mode is kept).
    Needs the duckdb extra, checked before anything runs."""

    def __init__(self, path: str):
        import tempfile

        from csdl.extras import require_extra

        require_extra("duckdb", purpose="writing Parquet (-o FILE.parquet)")
        AtomicWriter(path).discard()  # refused now (a directory, a read-only file), not after the run
        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        fd, self.jsonl = tempfile.mkstemp(suffix=".jsonl", dir=directory, prefix=f".{os.path.basename(path)}.")
        self.file = os.fdopen(fd, "wb")
        self.write = self.file.write

    def commit(self) -> None:
        import shutil

        from csdl.engines.duckdb import write_parquet

        self.file.close()
        tmp = f"{self.jsonl}.parquet"
        try:
            write_parquet(self.jsonl, tmp)
            writer = AtomicWriter(self.path)
            try:
                with open(tmp, "rb") as parquet:
                    shutil.copyfileobj(parquet, writer.file)
            except BaseException:
                writer.discard()
                raise
            writer.commit()
        finally:
            for leftover in (tmp, self.jsonl):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def discard(self) -> None:
        self.file.close()
        if os.path.exists(self.jsonl):
            os.unlink(self.jsonl)


def posts_writer(path: str):
    """Where ``-o FILE`` sends matching posts: Parquet for ``*.parquet``, JSON Lines otherwise;
    ``write(bytes)``, then ``commit()`` or ``discard()``. Raises ``OSError`` for a path that
    cannot be written, ``csdl.extras.MissingExtra`` for Parquet without the duckdb extra."""
    if path.lower().endswith(".parquet"):
        return ParquetWriter(path)
    return AtomicWriter(path)
