"""Reading an uploaded posts file for a preview with bounded memory, whatever it unpacks to.

A 2 MB gzip can hold one line of 2 GB: reading it line by line would hold that line in memory
before any count could refuse it. Lines are read with a size limit instead (``readline(n)``), and
the bytes unpacked so far are counted as they are read; either bound refuses the upload with
``PreviewTooLarge`` while memory stays at one bounded line.
"""

from __future__ import annotations

import gzip

from csdl.server.workbench.preview import PreviewTooLarge

# A gzip upload may not unpack to more than this many times the upload limit.
GZIP_FACTOR = 20


class BoundedLines:
    """The lines of the binary file ``raw``: at most ``line_limit`` bytes a line and ``total``
    bytes in all, ``PreviewTooLarge`` beyond either."""

    def __init__(self, raw, total: int, line_limit: int, *, owns: bool = True):
        self.raw = raw
        self.total = total
        self.line_limit = line_limit
        self.owns = owns  # an upload is closed by the request that received it, not here
        self.read = 0

    def __iter__(self):
        number = 0
        while True:
            line = self.raw.readline(self.line_limit + 1)
            if not line:
                return
            number += 1
            if len(line) > self.line_limit:
                raise PreviewTooLarge(f"line {number} is longer than {self.line_limit:,} bytes")
            self.read += len(line)
            if self.read > self.total:
                raise PreviewTooLarge(f"the posts unpack to more than {self.total:,} bytes")
            yield line

    def close(self) -> None:
        if self.owns:
            self.raw.close()


def open_upload(fileobj, limit: int) -> BoundedLines:
    """Binary lines of an uploaded file object (plain or gzip, recognised by its magic bytes); no
    line may be longer than ``limit``, the upload's own size limit."""
    fileobj.seek(0)
    head = fileobj.read(2)
    fileobj.seek(0)
    if head == b"\x1f\x8b":
        # (closing a GzipFile leaves the file object it reads from open)
        return BoundedLines(gzip.GzipFile(fileobj=fileobj, mode="rb"), limit * GZIP_FACTOR, limit)
    return BoundedLines(fileobj, limit, limit, owns=False)
