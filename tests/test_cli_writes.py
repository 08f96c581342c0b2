"""Writing output never clobbers what a user owns: symlinks, modes, devices, line ends, closed pipes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

from cli_process import FILTER, run


def test_output_goes_through_a_symlink_and_keeps_the_target_mode(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run("check", "--isolated", "examples/filters", "-o", str(link)).returncode == 0
    assert link.is_symlink() and "All checks passed" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_output_to_a_device_or_fifo_is_written_directly(tmp_path):
    assert run("check", "--isolated", "examples/filters", "-o", "/dev/null").returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    assert run("check", "--isolated", "examples/filters", "-o", str(fifo), timeout=60).returncode == 0
    reader.join(30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and "All checks passed" in got[0]


def test_output_onto_a_directory_is_a_usage_error(tmp_path):
    result = run("check", "--isolated", "examples/filters", "-o", str(tmp_path))
    assert result.returncode == 2 and "directory" in result.stderr and "Traceback" not in result.stderr


def test_format_of_a_symlinked_private_filter_keeps_link_and_mode(tmp_path):
    real = tmp_path / "real.csdl"
    real.write_text("a.b exists and c.d exists")
    real.chmod(0o600)
    link = tmp_path / "f.csdl"
    link.symlink_to(real.name)
    assert run("format", "f.csdl", cwd=tmp_path).returncode == 0
    assert link.is_symlink()
    assert real.read_text() == "a.b exists AND c.d exists\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_format_keeps_crlf(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_bytes(b"a.b exists and c.d exists\r\n")
    assert run("format", "f.csdl", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == b"a.b exists AND c.d exists\r\n"
    assert run("format", "--check", "f.csdl", cwd=tmp_path).returncode == 0


def test_run_output_goes_through_a_symlink_and_leaves_devices_alone(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "p.jsonl").write_text('{"twitter": {"text": "coffee"}}\n')
    real = tmp_path / "matched.jsonl"
    real.write_text("old\n")
    real.chmod(0o600)
    (tmp_path / "link.jsonl").symlink_to(real.name)
    assert run("run", "--isolated", "--quiet", "f.csdl", "p.jsonl", "-o", "link.jsonl", cwd=tmp_path).returncode == 0
    assert (tmp_path / "link.jsonl").is_symlink() and "coffee" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert run("run", "--isolated", "--quiet", "f.csdl", "p.jsonl", "-o", "/dev/null", cwd=tmp_path).returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_closed_output_pipe_is_not_an_error(tmp_path):
    posts = tmp_path / "big.jsonl"
    posts.write_text("".join(f'{{"twitter": {{"text": "coffee {i}"}}}}\n' for i in range(200_000)))
    (tmp_path / "f.csdl").write_text(FILTER)
    process = subprocess.Popen([sys.executable, "-m", "csdl", "run", "f.csdl", str(posts), "--format", "posts"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # `| head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(120) == 0, stderr
    assert "Broken pipe" not in stderr and "cannot read" not in stderr
