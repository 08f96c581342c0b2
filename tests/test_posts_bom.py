"""A byte-order mark at the start of a posts line is dropped (``posts.strip_bom``, the one place
that decides it): editors write one at the start of a file, and files joined with ``cat`` carry
one at the start of each part. The Python runner read such a line but wrote the mark back out in
the middle of its output; the Spark engine wrote it without."""

from __future__ import annotations

import io

import csdl
from csdl.evaluate.matcher import compile_matcher
from csdl.evaluate.posts import strip_bom
from csdl.evaluate.runner import run

BOM = b"\xef\xbb\xbf"


def test_strip_bom():
    assert strip_bom(BOM + b"{}") == b"{}"
    assert strip_bom(b"{}") == b"{}"
    assert strip_bom(b"{}" + BOM) == b"{}" + BOM


def test_the_runner_reads_marked_lines_and_writes_them_unmarked():
    matcher = compile_matcher(csdl.parse("interaction.id exists"))
    lines = [BOM + b'{"interaction": {"id": 1}}\n', BOM + b'{"interaction": {"id": 2}}\n']
    out = io.BytesIO()
    result = run(matcher, lines, out)
    assert result.stats.matched == 2 and not result.stats.bad
    assert out.getvalue() == b'{"interaction": {"id": 1}}\n{"interaction": {"id": 2}}\n'
