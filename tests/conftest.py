import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import settings  # noqa: E402

# CI runs the "ci" profile (the default); `HYPOTHESIS_PROFILE=nightly pytest` runs many more examples.
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("nightly", max_examples=5000, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite the CLI golden files in tests/snapshots/ from the current output")
