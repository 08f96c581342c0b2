"""A real Chromium for the workbench tests: Debian's ``chromium`` package driven by Playwright
through ``executable_path`` (Playwright never downloads a browser here).

Without a browser the tests fail under ``CI=true`` and are skipped otherwise, with the command
that installs one in the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CSDL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL = "sudo apt-get install -y chromium && pip install -e '.[test]'"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts", "workbench")


def unavailable() -> str | None:
    """Why no browser can be driven, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not os.path.isfile(CHROMIUM) or not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}"
    return None


def require_browser() -> None:
    reason = unavailable()
    if reason is None:
        return
    message = f"{reason}: the workbench's browser tests need Debian's chromium ({INSTALL})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def screenshot(page, name: str, **options) -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, **options)
    return path
