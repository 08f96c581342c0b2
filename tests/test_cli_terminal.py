"""The command line on a terminal: colour and NO_COLOR, progress bars, caret alignment, Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from cli_process import FILTER, on_a_terminal, run, stderr_on_a_terminal


def test_rules_on_a_terminal_are_plain_under_no_color():
    assert "\x1b[" in on_a_terminal(["rules"], {})  # styled on a terminal ...
    assert "\x1b[" not in on_a_terminal(["rules"], {"NO_COLOR": "1"})  # ... but never under NO_COLOR


def test_checking_many_files_shows_progress_on_a_terminal_only(tmp_path):
    for i in range(120):
        (tmp_path / f"f{i}.csdl").write_text(FILTER)
    stdout, terminal = stderr_on_a_terminal(["check", "--isolated", "."], tmp_path)
    assert "Checking" in terminal and "120/120" in terminal
    assert "Checking" not in stdout and "All checks passed (120 files checked)." in stdout
    for quiet in (["--quiet"], ["--format", "json"]):
        _stdout, terminal = stderr_on_a_terminal(["check", "--isolated", ".", *quiet], tmp_path)
        assert "Checking" not in terminal
    result = run("check", "--isolated", ".", cwd=tmp_path)  # stderr not a terminal
    assert "Checking" not in result.stderr


def test_running_a_large_file_shows_progresson_a_terminal(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    line = '{"twitter": {"text": "coffee and a long enough text to make the file large ' + "x" * 200 + '"}}\n'
    (tmp_path / "big.jsonl").write_text(line * (21 * 1024 * 1024 // len(line) + 1))
    _stdout, terminal = stderr_on_a_terminal(["run", "--isolated", "f.csdl", "big.jsonl", "--format", "text"], tmp_path)
    assert "Running" in terminal and "100%" in terminal
    _stdout, terminal = stderr_on_a_terminal(["run", "--isolated", "--quiet", "f.csdl", "big.jsonl"], tmp_path)
    assert "Running" not in terminal


def test_caret_is_aligned_after_wide_characters():
    text = 'interaction.content contains "咖啡咖啡" AND nope.x exists\n'
    result = run("check", "--isolated", "-", "--select", "E101", stdin=text)
    source, caret = [line for line in result.stdout.splitlines() if line.startswith(("1 |", "  |")) and line.strip(" |")][:2]
    prefix = text[: text.index("nope")]
    # four wide characters take eight cells: the caret starts four cells further than the code points
    assert caret.index("^") - len("  | ") == len(prefix) + 4
    assert caret.count("^") == len("nope.x")


def test_ctrl_c_exits_130(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    process = subprocess.Popen([sys.executable, "-m", "csdl", "run", "--isolated", "f.csdl", "-"], cwd=tmp_path,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write(b'{"twitter": {"text": "coffee"}}\n')
    process.stdin.flush()
    import fcntl
    import struct
    import termios

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until csdl has read the post: it is then inside the run loop
        waiting = struct.unpack("i", fcntl.ioctl(process.stdin.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        if not waiting:
            break
        time.sleep(0.05)
    # and until it waits for the next line: blocked reading the pipe, inside the run loop
    while time.monotonic() < deadline and "pipe" not in _wchan(process.pid):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert b"Traceback" not in err and b"Aborted" not in err


def _wchan(pid: int) -> str:
    """Where the kernel has the process waiting (``pipe_read`` while it blocks on a pipe)."""
    try:
        with open(f"/proc/{pid}/wchan", encoding="ascii") as f:
            return f.read()
    except OSError:
        return ""
