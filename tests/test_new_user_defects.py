"""What a new user tripped over (issue 16): each test fails on the behaviour that was reported."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

import csdl
from csdl.checking.checker import check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILTER = 'twitter.text contains "coffee"\n'


def run(*args, cwd=ROOT, stdin=None, env=None, **kwargs):
    environment = dict(os.environ, NO_COLOR="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "csdl", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=environment, **kwargs)


# 1. writes never clobber ----------------------------------------------------------------------------

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


# 2. single-file commands reject a directory ----------------------------------------------------------

@pytest.mark.parametrize("args", [("compile", "examples/filters"), ("bill", "historics", "examples/filters",
                                                                    "--start", "2024-03-01", "--end", "2024-03-31")])
def test_single_file_commands_reject_a_directory(args):
    result = run(*args)
    assert result.returncode == 2  # an input that cannot be read: an error of the invocation (issue 26)
    assert "E009" in result.stdout + result.stderr and "is a directory" in result.stdout + result.stderr


def test_compile_of_an_empty_directory_is_not_an_internal_error(tmp_path):
    result = run("compile", str(tmp_path))
    assert result.returncode == 2 and "internal error" not in result.stderr


# 3. geo_box out of range --------------------------------------------------------------------------------

def test_out_of_range_geo_box_is_only_a_range_error():
    assert [d.code for d in check('twitter.geo geo_box "91,0:0,10"')] == ["E202"]


# 6. NO_COLOR on a terminal ---------------------------------------------------------------------------

def _on_a_terminal(args, env):
    import pty

    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env)
    process = subprocess.Popen([sys.executable, "-m", "csdl", *args], stdout=slave, stderr=slave, env=environment,
                               cwd=ROOT)
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
    process.wait(60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_rules_on_a_terminal_are_plain_under_no_color():
    assert "\x1b[" in _on_a_terminal(["rules"], {})  # styled on a terminal ...
    assert "\x1b[" not in _on_a_terminal(["rules"], {"NO_COLOR": "1"})  # ... but never under NO_COLOR


# 7. a closed output pipe -------------------------------------------------------------------------------

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


# 8. suggestions valid for the platform -----------------------------------------------------------------

def test_word_list_regex_suggestion_is_valid_for_the_platform():
    text = 'interaction.content regex_partial "coffee|tea"'
    (stream,) = [d for d in check(text) if d.code == "W102"]
    suggestion = re.search(r"use `([^`]+)`", stream.message).group(1)
    assert not [d for d in check(suggestion) if d.is_error]
    # on PYLON that rewrite (cs, a leading `*`) is rejected, so it is never suggested there
    assert not [d for d in check(text, platform="pylon") if d.code == "W102"]
    for d in check('interaction.content regex_partial "(?i)\\\\b(coffee|tea)\\\\b"', platform="pylon"):
        if d.fix is not None:
            fixed = text[: d.fix.span.start] + d.fix.replacement + text[d.fix.span.end:]
            assert not [e for e in check(fixed, platform="pylon") if e.is_error and e.code.startswith("E4")]


# 9. every code printed anywhere is documented ----------------------------------------------------------

def test_every_run_and_cost_code_is_in_the_registry():
    from csdl.codes import registry

    used = set()
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "csdl")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    used.update(re.findall(r'"([RC]\d{3})"', f.read()))
    assert {"R101", "C100"} <= used
    assert used <= set(registry())
    assert run("rule", "R101").returncode == 0 and run("rule", "C100").returncode == 0
    assert "R101" in run("rules").stdout


# 10. shipped docs stand alone ------------------------------------------------------------------------

REFERENCES = re.compile(r"shared/|spec/|perf-baselines|dpu-model\.md|csdl-language\.md|\bspec §|\bseed \d")


def test_docs_and_rule_texts_point_at_nothing_users_do_not_have():
    from csdl.codes import registry

    texts = {"README.md": open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()}
    for name in os.listdir(os.path.join(ROOT, "docs")):
        if name.endswith(".md"):
            texts[f"docs/{name}"] = open(os.path.join(ROOT, "docs", name), encoding="utf-8").read()
    for code, info in registry().items():
        texts[code] = info.summary + "\n" + info.doc
    bad = {where: REFERENCES.findall(text) for where, text in texts.items() if REFERENCES.search(text)}
    assert bad == {}


# 11. budgets ---------------------------------------------------------------------------------------------

def test_fail_on_increase_is_a_percentage_everywhere_and_messages_name_the_config_key(tmp_path):
    for doc in ("README.md", "docs/checking.md"):
        text = open(os.path.join(ROOT, doc), encoding="utf-8").read()
        (value,) = re.findall(r"^fail-on-increase = (\S+)\s+# percent", text, re.M)
        assert float(value) >= 1
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "csdl.toml").write_text("fail-above = 0.05\n")
    result = run("cost", "f.csdl", cwd=tmp_path)
    assert result.returncode == 1
    assert "`fail-above` (csdl.toml)" in result.stderr and "--fail-above" not in result.stderr
    result = run("cost", "f.csdl", "--fail-above", "0.01", cwd=tmp_path)
    assert "--fail-above limit" in result.stderr


# 12. CRLF kept -------------------------------------------------------------------------------------

def test_format_keeps_crlf(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_bytes(b"a.b exists and c.d exists\r\n")
    assert run("format", "f.csdl", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == b"a.b exists AND c.d exists\r\n"
    assert run("format", "--check", "f.csdl", cwd=tmp_path).returncode == 0


# 14. API ---------------------------------------------------------------------------------------------

def test_dir_shows_the_lazy_functions():
    assert {"check", "fix", "cost", "compile", "format", "parse"} <= set(dir(csdl))


# 15. smaller ones --------------------------------------------------------------------------------------

def test_command_typo_gets_a_suggestion():
    result = run("chek", "examples/filters")
    assert result.returncode == 2 and "Did you mean `check`?" in result.stderr


def test_operator_typo_gets_a_suggestion():
    (d,) = [d for d in check('interaction.content contans "x"') if d.code == "E004"]
    assert d.hint == "did you mean `contains`?"


def test_config_errors_read_the_same_in_every_command(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "csdl.toml").write_text('[tool.csdl]\nselect = ["E"]\n')
    outputs = [run(command, "f.csdl", cwd=tmp_path) for command in ("check", "cost", "compile")]
    for result in outputs:
        assert result.returncode == 2
        assert result.stderr.startswith("error: ")
        assert "drop the `[tool.csdl]` header" in result.stderr


def test_bad_number_names_the_option_once():
    result = run("cost", "examples/filters", "--fail-above", "abc")
    assert result.returncode == 2 and result.stderr.count("--fail-above") == 1


def test_rules_select_with_no_match_is_an_error():
    result = run("rules", "--select", "Z")
    assert result.returncode == 2 and "no code starts with `Z`" in result.stderr


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


def test_shell_completion_works_as_documented():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert '_CSDL_COMPLETE=bash_source csdl' in readme
    result = subprocess.run(["csdl"], env=dict(os.environ, _CSDL_COMPLETE="bash_source"), capture_output=True,
                            text=True)
    assert result.returncode == 0 and "complete" in result.stdout and "_csdl_completion" in result.stdout


# progress, --exclude, .gitignore -----------------------------------------------------------------

def _stderr_on_a_terminal(args, cwd):
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
    process.wait(120)
    os.close(master)
    out.seek(0)
    stdout = out.read().decode()
    out.close()
    return stdout, b"".join(chunks).decode("utf-8", "replace")


def test_checking_many_files_shows_progress_on_a_terminal_only(tmp_path):
    for i in range(120):
        (tmp_path / f"f{i}.csdl").write_text(FILTER)
    stdout, terminal = _stderr_on_a_terminal(["check", "--isolated", "."], tmp_path)
    assert "Checking" in terminal and "120/120" in terminal
    assert "Checking" not in stdout and "All checks passed (120 files checked)." in stdout
    for quiet in (["--quiet"], ["--format", "json"]):
        _stdout, terminal = _stderr_on_a_terminal(["check", "--isolated", ".", *quiet], tmp_path)
        assert "Checking" not in terminal
    result = run("check", "--isolated", ".", cwd=tmp_path)  # stderr not a terminal
    assert "Checking" not in result.stderr


def test_running_a_large_file_shows_progress_on_a_terminal(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    line = '{"twitter": {"text": "coffee and a long enough text to make the file large ' + "x" * 200 + '"}}\n'
    (tmp_path / "big.jsonl").write_text(line * (21 * 1024 * 1024 // len(line) + 1))
    _stdout, terminal = _stderr_on_a_terminal(["run", "--isolated", "f.csdl", "big.jsonl", "--format", "text"], tmp_path)
    assert "Running" in terminal and "100%" in terminal
    _stdout, terminal = _stderr_on_a_terminal(["run", "--isolated", "--quiet", "f.csdl", "big.jsonl"], tmp_path)
    assert "Running" not in terminal


def test_directories_skip_gitignored_excluded_and_node_modules(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for relative in ("filters/ok.csdl", "filters/gen/x.csdl", "node_modules/pkg/y.csdl", "sub/z.csdl"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FILTER)
    (tmp_path / "filters" / ".gitignore").write_text("gen/\n")
    result = run("check", "--isolated", ".", "--format", "concise", cwd=tmp_path)
    assert "(2 files checked)" in result.stdout  # filters/ok.csdl and sub/z.csdl
    result = run("check", "--isolated", ".", "--exclude", "sub", cwd=tmp_path)
    assert "(1 file checked)" in result.stdout
    result = run("check", "--isolated", "filters/gen/x.csdl", cwd=tmp_path)  # named files are always checked
    assert "(1 file checked)" in result.stdout


def test_caret_is_aligned_after_wide_characters():
    text = 'interaction.content contains "咖啡咖啡" AND nope.x exists\n'
    result = run("check", "--isolated", "-", "--select", "E101", stdin=text)
    source, caret = [line for line in result.stdout.splitlines() if line.startswith(("1 |", "  |")) and line.strip(" |")][:2]
    prefix = text[: text.index("nope")]
    # four wide characters take eight cells: the caret starts four cells further than the code points
    assert caret.index("^") - len("  | ") == len(prefix) + 4
    assert caret.count("^") == len("nope.x")


def test_run_summary_grammar(tmp_path):
    (tmp_path / "f.csdl").write_text(FILTER)
    (tmp_path / "p.jsonl").write_text('{"twitter": {"text": "coffee"}}\n\nnot json\n{"twitter": {"text": {"a": 1}}}\n')
    result = run("run", "--isolated", "f.csdl", "p.jsonl", "--format", "text", cwd=tmp_path)
    line = [l for l in result.stdout.splitlines() if "posts read" in l][0]
    assert "1 blank line skipped" in line and "1 bad line not evaluated" in line
    assert "1 post with wrong-typed values" in line and "1 posts" not in line and "lines skipped" not in line


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


# 4. the README's CI recipe ---------------------------------------------------------------------------

def _workflow_step(name: str) -> str:
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    block = readme.split(f"- name: {name}", 1)[1]
    script = block.split("run: |\n", 1)[1]
    lines = []
    for line in script.splitlines():
        if not line.startswith("          "):
            break
        lines.append(line[10:])
    return "\n".join(lines)


@pytest.mark.parametrize("base", ["broken", "no-filters"])
def test_workflow_base_step_succeeds_when_the_base_is_broken_or_has_no_filters(tmp_path, base):
    repo = tmp_path / "repo"
    (repo / "filters").mkdir(parents=True) if base == "broken" else repo.mkdir()
    if base == "broken":
        (repo / "filters" / "a.csdl").write_text("twitter.text contains\n")
    else:
        (repo / "README").write_text("no filters yet\n")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "base")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    script = _workflow_step("Cost of the base branch").replace("${{ github.event.pull_request.base.sha }}", sha)
    script = script.replace("/tmp/base", str(tmp_path / "base"))
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, GITHUB_WORKSPACE=str(repo), PATH=bin_dir + os.pathsep + os.environ["PATH"])
    result = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json_loads((repo / "base.json").read_text())["version"] == 1


def json_loads(text):
    import json

    return json.loads(text)
