"""The inputs named on the command line: files, directories (every ``*.csdl`` below, sorted) and ``-``
for standard input, read one at a time through ``csdl.reading``."""

from __future__ import annotations

import os

import click

from csdl.cli.output import unreadable_inputs, warning
from csdl.reading import EXTENSION, STDIN, Source, filter_files, read_stdin
from csdl.reading import read_path as read_source_path


def read_path(path: str) -> Source:
    """``csdl.reading.read_path``, noting a file that cannot be read (missing, a directory, no
    permission) so that the command exits 2 after reporting it (``csdl.cli.main``)."""
    source = read_source_path(path)
    if source.error is not None and (not os.path.isfile(path) or not os.access(path, os.R_OK)):
        unreadable_inputs.append(path)
    return source


def parsed(source: Source):
    """``(tree, [])`` for a source that parses, ``(None, diagnostics)`` for one that does not."""
    if source.error is not None:
        return None, [source.error]
    from csdl.diagnostics import CSDLError
    from csdl.language.parser import parse

    try:
        return parse(source.text), []
    except CSDLError as exc:
        return None, exc.diagnostics


def expand(paths: tuple[str, ...], extensions: tuple[str, ...] = (EXTENSION,), exclude: tuple[str, ...] = (),
           warn: bool = True) -> list[str]:
    """Files named directly (always, as in ruff), then every ``*.csdl`` (or ``extensions``) file
    below each directory that ``.gitignore`` and the ``exclude`` globs leave, sorted; duplicates once."""
    out: list[str] = []
    seen: set[str] = set()
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            candidates = filter_files(path, extensions, exclude)
            if not candidates and warn:
                warning(f"no {' or '.join(extensions)} files under {path}")
        else:
            candidates = [path]
        for candidate in candidates:
            if candidate not in seen or candidate == STDIN:
                seen.add(candidate)
                out.append(candidate)
    return out


def sources(paths: tuple[str, ...], stdin_filename: str | None = None, extensions: tuple[str, ...] = (EXTENSION,),
            exclude: tuple[str, ...] = ()):
    """Yield a ``Source`` for each input, reading one file at a time."""
    if not paths:
        raise click.UsageError("no input: name files, directories, or - for standard input")
    stdin_used = False
    for path in expand(paths, extensions, exclude):
        if path == STDIN:
            if stdin_used:
                raise click.UsageError("- (standard input) can be given only once")
            stdin_used = True
            yield read_stdin(stdin_filename)
        else:
            yield read_path(path)


def single_source(path: str, stdin_filename: str | None = None) -> Source:
    """The one filter of a single-file command (``compile``, a one-filter ``bill``): ``-`` reads
    standard input; a directory is never expanded (its first file would be a silent guess) and is
    reported as unreadable, as ``parse`` and ``run`` do."""
    if path == STDIN:
        return read_stdin(stdin_filename)
    return read_path(path)


def with_progress(items, paths: tuple[str, ...], extensions: tuple[str, ...], exclude: tuple[str, ...], label: str,
                  **options):
    """``items`` (the sources of ``paths``), advancing a progress bar (``csdl.cli.output.progress``)
    by one per item when there are many files to go through."""
    from csdl.cli.output import progress

    length = len(expand(paths, extensions, exclude, warn=False)) if paths else 0
    with progress(length, label, minimum=PROGRESS_FILES, **options) as bar:
        for item in items:
            yield item
            bar.update(1)


#: Checking at least this many files shows a progress bar on a terminal.
PROGRESS_FILES = 100
