"""docs/api.md is the Python API reference; every example in it runs here as a doctest."""

import doctest
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_api_reference_examples_run():
    result = doctest.testfile(os.path.join(ROOT, "docs", "api.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20
    assert result.failed == 0
