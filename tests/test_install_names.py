"""Every ``pip install`` the project shows installs this project (issue 26, item 1): the name
``csdl`` on the package index is another project, so the docs, the README and the messages name
``datasift-csdl``, and, until it is published, also the install from a checkout (``'.[extra]'``)."""

from __future__ import annotations

import glob
import os
import re
import shlex

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = "datasift-csdl"

#: Lark's stand-alone parser, generated: its message about lark's own extra is not ours to word.
GENERATED = {os.path.join("csdl", "language", "_lalr.py")}


def shown_files() -> list[str]:
    patterns = ["README.md", "CHANGELOG.md", "docs/*.md", "editors/**/*.md", "csdl/**/*.py", "csdl/**/*.js",
                "csdl/**/*.html", ".pre-commit-hooks.yaml"]
    found = set()
    for pattern in patterns:
        found.update(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True))
    return sorted(found - GENERATED)


def installs(text: str) -> list[list[str]]:
    """The arguments of every ``pip install …`` in ``text`` (up to the end of the line, a backtick,
    a closing parenthesis or a comment)."""
    out = []
    text = text.replace("{DISTRIBUTION}", OURS)  # csdl.extras builds its message from the name
    for match in re.finditer(r"pip install ([^`\n#)\"]*)", text):
        words = match.group(1).replace("\\'", "'").strip()
        try:
            split = shlex.split(words)
        except ValueError:  # an unbalanced quote inside a Python string literal: split by hand
            split = words.replace("'", " ").split()
        arguments = []
        for word in split:  # up to the next shell command or the prose that follows
            if word in ("&&", "||", ";", "|") or word.startswith("("):
                break
            arguments.append(word)
        out.append(arguments)
    return out


def is_ours(argument: str) -> bool:
    if argument.startswith("-"):
        return True  # -e, -q, --upgrade
    name = argument.split("[")[0]
    return name in (OURS, ".") or name.startswith(("./", "../")) or name.lower() == "datasift-csdl"


def test_the_scan_sees_the_install_lines():
    files = shown_files()
    assert "README.md" in files and os.path.join("docs", "engines.md") in files
    assert os.path.join("csdl", "extras.py") in files
    assert installs("run: pip install 'csdl[duckdb]'  # x") == [["csdl[duckdb]"]]
    assert installs("pip install -q -e '.[test]' && pytest") == [["-q", "-e", ".[test]"]]
    assert not is_ours("csdl[serve]") and is_ours("datasift-csdl[serve]") and is_ours(".[serve]")


@pytest.mark.parametrize("path", shown_files())
def test_every_pip_install_installs_this_project(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    for arguments in installs(text):
        strangers = [a for a in arguments if not is_ours(a)]
        assert not strangers, f"{path}: pip install {' '.join(arguments)}"


@pytest.mark.parametrize("path", shown_files())
def test_an_extra_from_the_index_is_also_shown_from_a_checkout(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    for extra in set(re.findall(r"datasift-csdl\[(\w+)\]", text)) - {"test"}:
        assert f"'.[{extra}]'" in text or "'.[{extra}]'" in text, f"{path}: [{extra}] without the checkout form"


def test_the_missing_extra_message_names_both_forms():
    from csdl.extras import install_hint

    hint = install_hint("serve")
    assert "pip install 'datasift-csdl[serve]'" in hint and "pip install '.[serve]'" in hint
