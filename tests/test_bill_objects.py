"""A bill's licence line counts objects as they are delivered: whole, with separators (issue 26,
item 7: the workbench showed "64447.20 twitter objects" beside "64,447.17" deliveries)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def bill(*args):
    return subprocess.run([sys.executable, "-m", "csdl", "bill", *args], capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)


@pytest.mark.parametrize(("per_hour", "shown"), [
    ("353.5393", "about 254,548"),   # 254,548.296 objects in 720 hours
    ("89.5107", "about 64,448"),     # 64,447.704: rounded half up
    ("1200", "864,000"),             # whole: no "about"
])
def test_the_licence_line_counts_whole_objects(per_hour, shown):
    result = bill("stream", "--dpu", "0.1", "--hours", "720", "--objects-per-hour", per_hour)
    assert result.returncode == 0, result.stderr
    assert f"Licence: {shown} twitter objects at $0.0001/object" in result.stdout
