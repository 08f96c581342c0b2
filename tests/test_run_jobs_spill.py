"""--jobs N over a file: the workers write their matching lines to a spill directory and the
parent copies them to the output in order; the output is the one-process output byte for byte,
and the directory is gone afterwards, also when a strict run stops early."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile

import pytest

import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.runner import StrictFailure, run

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forked workers (spawned elsewhere: the same code path)")

TEXT = 'interaction.content contains_any "coffee, tea"'


def _write_posts(path, n: int, bad_at: int | None = None) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if i == bad_at:
                f.write("not json\n")
                continue
            drink = ("coffee", "tea", "water")[i % 3]
            f.write(json.dumps({"interaction": {"id": str(i), "content": f"{drink} number {i} " + "x" * 200}}) + "\n")


def _run(path, jobs: int, strict: bool = False) -> bytes:
    out = io.BytesIO()
    with open(path, "rb") as lines:
        run(compile_matcher(csdl.parse(TEXT)), lines, out, jobs=jobs, filter_text=TEXT, path=str(path), strict=strict)
    return out.getvalue()


def test_jobs_output_is_the_one_process_output_and_the_spill_directory_goes(tmp_path, monkeypatch):
    path = tmp_path / "posts.jsonl"
    _write_posts(path, 30_000)  # several ranges of several MB
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    from csdl.evaluate import runner

    copied = []
    real_copy = runner.Spilled.copy_to
    monkeypatch.setattr(runner.Spilled, "copy_to", lambda self, write: copied.append(self.name) or real_copy(self, write))
    one = _run(path, 1)
    assert one.count(b"\n") == 20_000 and not copied
    assert _run(path, 2) == one
    assert len(copied) > 1 and all(os.path.dirname(os.path.dirname(n)) == str(spills) for n in copied)
    assert os.listdir(spills) == []


def test_a_strict_stop_leaves_no_spilled_output(tmp_path, monkeypatch):
    path = tmp_path / "posts.jsonl"
    _write_posts(path, 30_000, bad_at=10)
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    with pytest.raises(StrictFailure):
        _run(path, 2, strict=True)
    assert os.listdir(spills) == []
