"""A real Chromium for the workbench tests: Debian's ``chromium`` package driven by Playwright
through ``executable_path`` (Playwright never downloads a browser here).

Without a browser the tests fail under ``CI=true`` and are skipped otherwise, with the command
that installs one in the reason.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest
from server_fixtures import start_server

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


def server_and_browser(directory: str):
    """The module-scoped ``server`` and ``browser`` fixtures of a module of workbench tests, as
    ``server, browser = server_and_browser("name")``: a real ``csdl serve`` over a fresh directory
    (the module is skipped without a browser) and Debian's Chromium."""

    @pytest.fixture(scope="module", name="server")
    def server(tmp_path_factory):
        require_browser()
        base, stop = start_server(tmp_path_factory.mktemp(directory))
        yield base
        stop()

    @pytest.fixture(scope="module", name="browser")
    def browser(server):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = launch(playwright)
            yield chromium
            chromium.close()

    return server, browser


@contextmanager
def blank_page(browser, server):
    """A fresh 1280x900 page on the workbench with nothing typed, ready to use. ``page.problems``
    collects its uncaught errors ("page error: ...") and console errors ("console error: ...")."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # the 2-core CI machines run other suites at the same time
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.goto(f"{server}/?blank")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.problems = problems
    yield page
    context.close()


def type_filter(page, text: str) -> None:
    page.fill("#editor-input", text)
    page.wait_for_selector("body[data-checking=false]", state="attached", timeout=20_000)


def screenshot(page, name: str, **options) -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, **options)
    return path
