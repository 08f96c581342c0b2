"""One grammar vocabulary, built from the generated parser's tables: the language server's
completion and the workbench's highlighter and completion read the same words, and neither
builds a Lark parser at run time (Lark's grammar compiler is not even needed)."""

from __future__ import annotations

import subprocess
import sys

from csdl.language import vocabulary
from csdl.server.workbench import language


def test_the_workbench_and_the_language_server_know_the_same_words():
    assert language.words() == sorted(set(vocabulary.keywords() + vocabulary.words(*vocabulary.WORD_OPERATORS,
                                                                                    *vocabulary.MODIFIERS)))
    assert language.words(("symbol",)) == sorted(["==", "!=", "<", "<=", ">", ">="])


def test_the_words_are_the_grammars():
    # spellings worked out from grammar/csdl.lark by hand
    assert vocabulary.words("STREAM") == ["stream", "rule"]
    assert vocabulary.words("ORDER_OP") == ["<=", ">=", "<", ">"]
    assert {"contains_any", "any", "wild", "near", "url_in", "exists", "in"} <= set(vocabulary.operators())
    assert vocabulary.keywords() == ["and", "or", "not", "tag", "tags", "return", "stream", "rule"]


def test_no_lark_build_at_run_time():
    """With the ``lark`` package made unimportable, both vocabularies and the highlighter still work."""
    code = ("import sys; sys.modules['lark'] = None\n"
            "from csdl.server.workbench import language\n"
            "from csdl.language import vocabulary\n"
            "assert language.terminals() and language.words() and vocabulary.operators()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
