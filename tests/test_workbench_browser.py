"""The workbench in a real browser: Debian's Chromium driven by Playwright, against a real
``csdl serve`` (uvicorn on an ephemeral loopback port). Every expected figure comes from the
command line (``csdl cost``, ``csdl run``, ``csdl bill``, ``csdl compile``) run on the same input,
never from the page's own code. Each state is photographed into tests/artifacts/workbench/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from workbench_browser import ROOT, blank_page, screenshot, server_and_browser, type_filter

SAMPLE = os.path.join(ROOT, "csdl", "server", "workbench", "sample.jsonl.gz")
BRANDS = os.path.join(ROOT, "examples", "filters", "brands.csdl")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # slow: Chromium


def csdl_cli(*args, check=True) -> str:
    out = subprocess.run([sys.executable, "-m", "csdl", *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "NO_COLOR": "1"})
    if check and out.returncode not in (0, 1):
        raise AssertionError(out.stderr)
    return out.stdout


server, browser = server_and_browser("workbench")


@pytest.fixture
def page(browser, server):
    with blank_page(browser, server) as page:
        yield page
        problems = page.problems
        assert not [p for p in problems if "Content Security Policy" in p or "page error" in p], problems


def diagnostics(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#diagnostics li .go", "els => els.map(e => ({line: +e.dataset.line, code: e.dataset.code, text: e.textContent}))")


def test_a_broken_filter_is_underlined_on_its_line_and_clears_when_fixed(page):
    broken = 'interaction.content contains "coffee"\nAND twitter.text contains\nAND language.tag == "en"\n'
    type_filter(page, broken)
    found = diagnostics(page)
    reported = subprocess.run([sys.executable, "-m", "csdl", "check", "-", "--format", "concise"], input=broken,
                              capture_output=True, text=True, cwd=ROOT).stdout
    line, code = re.search(r"^<stdin>:(\d+):\d+: (E\d+)", reported, re.M).groups()
    assert found, "no diagnostic shown"
    assert (found[0]["line"], found[0]["code"]) == (int(line), code) == (3, "E004")
    assert page.locator(".gutter-lines .has-error").first.inner_text().strip().endswith(line)
    assert page.locator(".highlight-lines .d-error, .highlight-lines .d-empty").count() >= 1
    # Hover: the message and the code in a tooltip.
    underline = page.locator(".highlight-lines .d-error, .highlight-lines .d-empty").first
    box = underline.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert "E004" in tooltip.inner_text()
    screenshot(page, "01-broken-filter")
    # Clicking the problem puts the cursor on it.
    page.locator("#diagnostics li .go").first.click()
    assert page.evaluate("document.activeElement.id") == "editor-input"
    assert page.inner_text("#cursor-status").startswith(f"Line {line}")
    type_filter(page, broken.replace("contains\nAND", 'contains "tea"\nAND'))
    assert diagnostics(page) == []
    assert page.locator(".highlight-lines .d-error").count() == 0
    assert page.inner_text("#diagnostics-count") == "0"
    screenshot(page, "02-fixed-filter")


def test_the_page_total_is_what_csdl_cost_says(page):
    for name in sorted(os.listdir(os.path.join(ROOT, "examples", "filters"))):
        path = os.path.join(ROOT, "examples", "filters", name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        type_filter(page, text)
        expected = json.loads(csdl_cli("cost", path, "--format", "json"))["files"][0]["dpu"]
        shown = page.get_attribute("#cost-total", "data-dpu")
        assert float(shown) == pytest.approx(expected, abs=1e-9), name
        # the breakdown rows add up to the total shown
        assert page.locator("#cost-chart svg rect").count() >= 1
    screenshot(page, "03-dpu-breakdown", full_page=True)


def test_the_billing_forecast_is_what_csdl_bill_says(page):
    with open(BRANDS, encoding="utf-8") as f:
        type_filter(page, f.read())
    page.fill("#bill-form input[name=hours]", "48")
    page.fill("#bill-deliveries", "1500")
    page.click("#bill-form button[type=submit]")
    expected = json.loads(csdl_cli("bill", "stream", BRANDS, "--hours", "48", "--objects-per-hour", "1500", "--format", "json"))
    page.wait_for_function("t => document.querySelector('#bill-table').textContent.includes(t)", arg=f"${expected['total']}")
    assert f"${expected['licence']}" in page.inner_text("#bill-table")
    page.select_option("#bill-plan", "subscription")
    page.fill("#bill-form input[name=allowance]", "100")
    page.fill("#bill-form input[name=limit]", "50")
    page.click("#bill-form button[type=submit]")
    sub = json.loads(csdl_cli("bill", "subscription", BRANDS, "--allowance", "100", "--limit", "50",
                              "--objects-per-hour", "1500", "--format", "json"))
    page.wait_for_function("t => document.querySelector('#bill-table').textContent.includes(t)", arg=f"${sub['variable_cost']}")
    screenshot(page, "04-billing-forecast")


def test_preview_over_the_bundled_sample_matches_csdl_run(page):
    with open(BRANDS, encoding="utf-8") as f:
        type_filter(page, f.read())
    page.click("#preview-button")
    page.wait_for_selector("#preview-results:not([hidden])")
    expected = json.loads(csdl_cli("run", BRANDS, SAMPLE, "--format", "json"))
    assert page.inner_text("#preview-read").replace(",", "") == str(expected["read"])
    assert page.inner_text("#preview-matched").replace(",", "") == str(expected["matched"])
    rows = page.eval_on_selector_all("#preview-tags tbody tr", "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    assert {name: int(n.replace(",", "")) for name, n in rows} == expected["tags"]
    assert page.locator("#preview-tags-chart svg rect").count() == len(expected["tags"])
    # the matched words are marked inside the shown posts
    marks = page.locator("#preview-matches mark")
    assert marks.count() > 0
    words = {m.lower() for m in marks.all_inner_texts()}
    with open(BRANDS, encoding="utf-8") as f:
        filter_text = f.read().lower()
    assert all(w in filter_text for w in words), words
    fc = expected["forecast"]
    if fc["available"]:
        assert f"${fc['licence_per_hour']}" in page.inner_text("#preview-forecast")
    screenshot(page, "05-preview-sample", full_page=True)


def test_an_upload_with_bad_lines_lists_them_and_shows_posts_as_text(page, tmp_path):
    posts = tmp_path / "mixed.jsonl"
    good = {"interaction": {"type": "twitter", "content": "coffee <script>window.__pwned = 1</script> now",
                            "created_at": "Mon, 04 Mar 2024 00:00:00 +0000", "author": {"username": "x<b>y</b>"}}}
    evil = {"interaction": {"type": "twitter", "content": 'coffee <img src=x onerror="window.__pwned = 2">',
                            "created_at": "Mon, 04 Mar 2024 01:00:00 +0000"}}
    posts.write_text("\n".join([json.dumps(good), "{not json", json.dumps(evil), "[1, 2]", ""]), encoding="utf-8")
    filter_path = tmp_path / "coffee.csdl"
    filter_path.write_text('interaction.content contains "coffee"\n', encoding="utf-8")
    type_filter(page, filter_path.read_text())
    page.check("#preview-form input[value=upload]")
    page.set_input_files("#preview-file", str(posts))
    page.click("#preview-button")
    page.wait_for_selector("#preview-results:not([hidden])")
    expected = json.loads(csdl_cli("run", str(filter_path), str(posts), "--format", "json"))
    listed = page.locator("#preview-bad li").all_inner_texts()
    assert [item["line"] for item in expected["bad_posts"]["details"]] == [2, 4]
    for item, shown in zip(expected["bad_posts"]["details"], listed, strict=True):
        assert shown.startswith(f"line {item['line']}") and item["code"] in shown
    assert page.inner_text("#preview-matched") == str(expected["matched"]) == "2"
    shown = page.inner_text("#preview-matches")
    assert "<script>window.__pwned = 1</script>" in shown
    assert '<img src=x onerror="window.__pwned = 2">' in shown
    assert page.locator("#preview-matches img, #preview-matches script, #preview-matches b").count() == 0
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "06-upload-bad-lines-and-markup", full_page=True)


def test_lint_fix_and_format_buttons(page):
    type_filter(page, 'interaction.content contains_any "tea, coffee, tea"')
    assert [d["code"] for d in diagnostics(page)] == ["W202"]
    screenshot(page, "07-lint-fix-offered")
    page.click("#diagnostics .fix")
    page.wait_for_function("() => document.querySelector('#diagnostics-count').textContent === '0'")
    assert page.input_value("#editor-input") == 'interaction.content contains_any "tea, coffee"'
    messy = 'tag "x" {interaction.content any "a"}\nreturn {   interaction.content   contains "a"   and  language.tag == "en" }'
    type_filter(page, messy)
    page.click("#format-button")
    page.wait_for_function("() => document.querySelector('#compile-result').textContent === 'Formatted.'")
    expected = subprocess.run([sys.executable, "-m", "csdl", "format", "-"], input=messy, capture_output=True,
                              text=True, cwd=ROOT).stdout
    assert page.input_value("#editor-input") == expected


def test_target_completion_from_the_catalogue(page):
    page.click("#editor-input")
    page.keyboard.type("interaction.conte")
    listbox = page.locator("#completion")
    listbox.wait_for(state="visible")
    options = listbox.locator("li").all_inner_texts()
    assert any(o.startswith("interaction.content") for o in options)
    screenshot(page, "08-completion")
    while not page.locator("#completion li[aria-selected=true]").inner_text().startswith("interaction.content\n"):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#editor-input") == "interaction.content"
    assert listbox.is_hidden()


def test_compile_stores_lists_references_and_diffs(page, tmp_path):
    base_text = 'interaction.content contains_any "tea, coffee"\n'
    type_filter(page, base_text)
    page.click("#compile-button")
    page.wait_for_function("() => document.querySelector('#compile-result').textContent.startsWith('Stored as')")
    (tmp_path / "base.csdl").write_text(base_text, encoding="utf-8")
    expected = json.loads(csdl_cli("compile", str(tmp_path / "base.csdl"), "--format", "json"))
    assert expected["hash"] in page.inner_text("#compile-result")
    base_hash = expected["hash"]
    referrer = f'stream "{base_hash}" AND language.tag == "en"\n'
    type_filter(page, referrer)
    page.click("#compile-button")
    page.wait_for_function("() => document.querySelectorAll('#streams-list button[data-hash]').length >= 2")
    page.wait_for_function("h => { const d = document.querySelector('#stream-detail-hash').textContent; return d && d !== h; }",
                           arg=base_hash)  # the new stream is shown first
    page.click(f"#streams-list button[data-hash='{base_hash}']")
    page.wait_for_function("h => document.querySelector('#stream-detail-hash').textContent === h", arg=base_hash)
    referring = page.locator("#stream-referenced-by li").all_inner_texts()
    assert len(referring) == 1 and referring[0] != base_hash and len(referring[0]) == 32
    screenshot(page, "09-stored-streams")
    page.click("#stream-open")
    assert page.input_value("#editor-input") == base_text.rstrip("\n") or page.input_value("#editor-input") == base_text
    # The cost diff against the stored version, as `csdl cost --compare-to` reports it.
    changed = 'interaction.content contains_any "tea, coffee" AND twitter.text contains "milk" AND language.tag == "en"\n'
    type_filter(page, changed)
    page.select_option("#diff-base", base_hash)
    page.click("#diff-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#diff-summary').textContent.includes('→')")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "filter.csdl").write_text(base_text, encoding="utf-8")
    (tmp_path / "b" / "filter.csdl").write_text(changed, encoding="utf-8")
    base_json = tmp_path / "base.json"
    subprocess.run([sys.executable, "-m", "csdl", "cost", "filter.csdl", "--format", "json", "-o", str(base_json)],
                   cwd=tmp_path / "a", check=True, capture_output=True)
    report = json.loads(subprocess.run([sys.executable, "-m", "csdl", "cost", "filter.csdl", "--format", "json",
                                        "--compare-to", str(base_json)], cwd=tmp_path / "b", capture_output=True,
                                       text=True).stdout)
    total = report["diff"]["total"]
    summary = page.inner_text("#diff-summary")
    assert f"{total['old']:g} DPU stored → {total['new']:g} DPU now" in summary
    assert f"({total['percent']:+g} %)" in summary
    statuses = {o["operator"]: o["status"] for o in report["diff"]["files"][0]["operators"]}
    rows = page.eval_on_selector_all("#diff-table tbody tr", "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    symbols = {"added": "+", "changed": "~", "removed": "-"}
    for operator, status in statuses.items():
        assert [symbols[status], operator] in rows
    assert page.locator("#diff-chart svg rect").count() >= 2
    screenshot(page, "10-cost-diff", full_page=True)


def test_keyboard_only_use(page):
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab") if page.evaluate("document.activeElement.id") != "editor-input" else None
    page.focus("#editor-input")
    page.keyboard.type('a.b contains "x"\nAND twitter.text contains')
    page.wait_for_selector("body[data-checking=false]", state="attached", timeout=20_000)
    page.keyboard.press("Control+Home")
    page.keyboard.press("F8")
    assert page.inner_text("#cursor-status").startswith("Line 2")
    # Every control is reachable with Tab and shows a focus ring.
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.textContent.trim().slice(0, 20)"))
    for control in ("format-button", "compile-button", "preview-button", "bill-plan"):
        assert control in reached, reached


def test_readable_at_200_percent_zoom_and_in_print(browser, server):
    # 200 % zoom of a 1280-pixel window: 640 CSS pixels at two device pixels each.
    context = browser.new_context(viewport={"width": 640, "height": 720}, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.wait_for_selector("body[data-checking=false]", state="attached", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # chart labels keep their size (a chart scaled down to fit would shrink its text)
    assert page.evaluate("document.querySelector('#cost-chart svg text').getBoundingClientRect().height") >= 12
    screenshot(page, "11-zoom-200", full_page=True)
    page.emulate_media(media="print")
    assert page.locator(".streams").is_hidden()
    assert page.locator("#bill-form").is_hidden()
    screenshot(page, "12-print", full_page=True)
    context.close()


def test_the_page_is_served_with_a_strict_csp(server, page):
    response = page.goto(f"{server}/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    page.wait_for_selector("body[data-ready=true]", state="attached")
    # an injected inline script is refused by the policy
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.appendChild(s); }")
    assert page.evaluate("window.__inline") is None
    page.problems.clear()


def test_readme_screenshot(browser, server):
    """The picture of the README: a filter with a warning and its DPU breakdown. It goes to the
    artifacts; ``CSDL_UPDATE_SCREENSHOT=1`` also writes docs/workbench.png (then review it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/?blank")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    with open(BRANDS, encoding="utf-8") as f:
        type_filter(page, f.read().replace('"BMW, Beemer"', '"BMW, Beemer, BMW"', 1))
    assert [d["code"] for d in diagnostics(page)] == ["W202"]
    page.click("#preview-button")
    page.wait_for_selector("#preview-results:not([hidden])")
    page.evaluate("window.scrollTo(0, 0)")
    path = screenshot(page, "workbench")
    if os.environ.get("CSDL_UPDATE_SCREENSHOT"):
        import shutil

        shutil.copyfile(path, os.path.join(ROOT, "docs", "workbench.png"))
    context.close()


def test_incremental_highlighting_equals_a_fresh_scan(page):
    """Random edits (inside strings, across quotes, comments, deletions): the tokens kept up to date
    edit by edit are those a full scan of the final text finds."""
    result = page.evaluate("""async () => {
      const { TokenStream } = await import("./static/js/tokenizer.js");
      const editor = window.csdlWorkbench.editor;
      const tokenizer = editor.stream.tokenizer;
      let seed = 7;
      const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
      const pieces = ['"', 'a', ' ', '\\\\', 'contains', '/*', '*/', '//', '\\n', ', ', 'x.y', '==', '{', '}', 'OR ', '12'];
      let text = 'tag "t" { a.b contains_any "x, y, z" } // note\\nreturn { a.b == 5 OR c.d exists }';
      const live = new TokenStream(tokenizer);
      live.reset(text);
      const dump = (s) => Array.from({ length: s.tokens.length }, (_, i) => [s.tokens.starts[i], s.tokens.ends[i], s.tokens.kinds[i]].join(":")).join(" ");
      for (let step = 0; step < 3000; step++) {
        const at = random(text.length + 1);
        if (random(3) === 0 && text.length) text = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + random(4)));
        else text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        live.update(text);
        const fresh = new TokenStream(tokenizer);
        fresh.reset(text);
        if (dump(live) !== dump(fresh)) return { step, text };
      }
      return null;
    }""")
    assert result is None, result


def test_underlines_land_on_the_right_characters_after_emoji(page):
    """The server counts code points, the page UTF-16 units: an emoji before a problem must not
    shift its underline."""
    type_filter(page, 'interaction.content contains "😀 party 🎉" AND interaction.content contains_any "tea, coffee, tea"')
    assert [d["code"] for d in diagnostics(page)] == ["W202"]
    underlined = page.locator(".highlight-lines .d-warning").all_inner_texts()
    assert underlined == ["tea"], underlined


def test_a_cost_row_takes_the_cursor_to_its_condition(page):
    type_filter(page, 'interaction.content contains "tea"\nAND twitter.text contains_any "a, b"\n')
    page.locator("#cost-operators tbody tr", has_text="contains_any").locator("button").click()
    assert page.evaluate("document.activeElement.id") == "editor-input"
    assert page.inner_text("#cursor-status").startswith("Line 2, column 5")
