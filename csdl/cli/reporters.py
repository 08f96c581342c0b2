"""Renderers of diagnostics. Each takes the checked files and returns the text to print; none of
them decides anything about the diagnostics themselves.

``REPORTERS`` maps an output format name to a function ``(results, *, color) -> str``.
"""

from __future__ import annotations

from typing import Callable, Iterable

from csdl.diagnostics import ERROR, INFO, WARNING, Diagnostic
from csdl.spans import split_lines


class FileResult:
    """The diagnostics of one file, with its text for code frames (None if it could not be read)."""

    __slots__ = ("path", "text", "diagnostics")

    def __init__(self, path: str, text: str | None, diagnostics: list[Diagnostic]):
        self.path = path
        self.text = text
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)


_STYLES = {ERROR: ("red", True), WARNING: ("yellow", True), INFO: ("cyan", False)}


def _style(text: str, color: bool, **kwargs) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kwargs)


def _one_line(path: str, d: Diagnostic, color: bool) -> str:
    """``Diagnostic.one_line``, with the location in bold and the code in its severity's colour."""
    if not color:
        return d.one_line(path)
    location = _style(f"{path}:{d.span.line}:{d.span.column}:", color, bold=True)
    return f"{location} {_code(d, color)} {d.message}"


def _code(d: Diagnostic, color: bool) -> str:
    fg, bold = _STYLES.get(d.severity, ("white", False))
    return _style(d.code, color, fg=fg, bold=bold)


def source_lines(text: str) -> list[str]:
    return split_lines(text)


def _cells(text: str) -> int:
    """The terminal width of ``text``: wide and full-width characters take two cells, combining
    marks none."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def code_frame(text: str, d: Diagnostic, color: bool = False, context: int = 1, lines: list[str] | None = None) -> list[str]:
    """The source lines around ``d`` with carets under the span (multi-line spans mark the first line).

    ``lines`` (``source_lines(text)``) lets a caller with many diagnostics split the text once."""
    if lines is None:
        lines = source_lines(text)
    if d.span.line == len(lines) + 1:
        # the end of a text that ends with a newline: that empty last line is where the caret
        # goes, on the line the message names (not under the line before it)
        lines = [*lines, ""]
    first = max(1, min(d.span.line, len(lines)))
    start, stop = max(1, first - context), min(len(lines), first + context)
    width = len(str(stop))
    out = [" " * width + " |"]
    column = max(1, d.span.column)
    # Long lines (a 100,000-item list) are shown as a window around the span, cut before any
    # other work so that many diagnostics on one line stay cheap.
    shift = column - 81 if column > 160 else 0
    for number in range(start, stop + 1):
        raw = lines[number - 1]
        line = raw[shift:shift + 200].replace("\t", " ")
        if shift and number == first:
            line = "…" + line
        if len(raw) > shift + 200:
            line += "…"
        out.append(f"{number:>{width}} | {line}")
        if number == first:
            col = column - shift + (1 if shift else 0)
            if d.span.end_line == d.span.line:
                length = max(1, d.span.end_column - d.span.column)
            else:
                length = max(1, len(line) - col + 1)
            length = min(length, max(1, 201 - col))
            # columns count code points; a terminal shows wide (CJK) characters in two cells
            indent = _cells(line[: col - 1])
            length = max(1, _cells(line[col - 1: col - 1 + length])) if line[col - 1: col - 1 + length] else length
            fg, _ = _STYLES.get(d.severity, ("white", False))
            out.append(" " * width + " | " + " " * indent + _style("^" * length, color, fg=fg, bold=True))
    out.append(" " * width + " |")
    return out


def render_full(results: list[FileResult], *, color: bool = False) -> str:
    out: list[str] = []
    for result in results:
        lines = source_lines(result.text) if result.text else None
        for d in result.diagnostics:
            out.append(_one_line(result.path, d, color))
            if lines is not None:
                out.extend(code_frame(result.text, d, color, lines=lines))
            if d.hint:
                out.append(f"  = {_style('hint', color, bold=True)}: {d.hint}")
            if d.fix is not None and d.fix.title:
                label = "fix" if getattr(d.fix, "applicability", "safe") == "safe" else "unsafe fix"
                out.append(f"  = {_style(label, color, bold=True)}: {d.fix.title}")
            out.append("")
    out.append(summary(results))
    return "\n".join(out) + "\n"


def render_concise(results: list[FileResult], *, color: bool = False) -> str:
    out = [_one_line(r.path, d, color) for r in results for d in r.diagnostics]
    out.append(summary(results))
    return "\n".join(out) + "\n"


#: The version of the ``check --format json`` payload (docs/schemas/check.schema.json); raised on
#: any change that is not an added optional key.
CHECK_JSON_VERSION = 1


def render_json(results: list[FileResult], *, color: bool = False) -> str:
    """``{"version", "tool", "summary", "diagnostics": [{"file", "code", …}]}``, one object with
    a version as the cost report has (docs/schemas/check.schema.json)."""
    import json

    from csdl.version import __version__

    errors, warnings, files = count(results)
    payload = {
        "version": CHECK_JSON_VERSION,
        "tool": {"name": "csdl", "version": __version__},
        "summary": {"files": len(results), "files_with_problems": files, "errors": errors, "warnings": warnings},
        "diagnostics": [dict(file=r.path, **d.to_dict()) for r in results for d in r.diagnostics],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def count(results: Iterable[FileResult]) -> tuple[int, int, int]:
    """(errors, warnings, files with at least one diagnostic)."""
    errors = warnings = files = 0
    for r in results:
        if r.diagnostics:
            files += 1
        for d in r.diagnostics:
            if d.severity == ERROR:
                errors += 1
            elif d.severity == WARNING:
                warnings += 1
    return errors, warnings, files


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary(results: list[FileResult]) -> str:
    """``Found 3 errors and 1 warning in 2 files (41 checked).`` or ``All checks passed (41 files).``"""
    errors, warnings, files = count(results)
    checked = len(results)
    if not errors and not warnings:
        return f"All checks passed ({_plural(checked, 'file')} checked)."
    parts = []
    if errors:
        parts.append(_plural(errors, "error"))
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return f"Found {' and '.join(parts)} in {_plural(files, 'file')} ({checked:,} checked)."


_SARIF_LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif_uri(path: str) -> str:
    """A URI reference for ``path``: an absolute path becomes a ``file:`` URI, a relative one is
    percent-encoded (spaces, ``#``, ``%``, ``<stdin>``), as SARIF's ``uri-reference`` requires."""
    import posixpath
    from urllib.parse import quote

    path = path.replace("\\", "/")
    if posixpath.isabs(path) or (len(path) > 2 and path[1] == ":" and path[2] == "/"):
        return "file://" + quote(path if path.startswith("/") else "/" + path, safe="/:")
    return quote(path, safe="/")


def render_sarif(results: list[FileResult], *, color: bool = False) -> str:
    """SARIF 2.1.0: one run, the rules that occur in it, one result per diagnostic."""
    import json

    from csdl import __version__
    from csdl.codes import find

    rules: list[dict] = []
    index: dict[str, int] = {}
    out_results = []
    for result in results:
        for d in result.diagnostics:
            if d.code not in index:
                info = find(d.code)
                rule = {"id": d.code, "name": d.name or (info.name if info else d.code)}
                if info is not None:
                    rule["shortDescription"] = {"text": info.summary}
                    if info.doc:
                        rule["fullDescription"] = {"text": info.doc}
                    rule["defaultConfiguration"] = {"level": _SARIF_LEVELS.get(info.severity, "warning")}
                    rule["properties"] = {"tags": [info.group]}
                index[d.code] = len(rules)
                rules.append(rule)
            region = {
                "startLine": d.span.line,
                "startColumn": d.span.column,
                "endLine": d.span.end_line,
                "endColumn": max(d.span.end_column, d.span.column + (1 if d.span.end_line == d.span.line else 0)),
                "charOffset": d.span.start,
                "charLength": d.span.end - d.span.start,
            }
            entry = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVELS.get(d.severity, "warning"),
                "message": {"text": d.message + (f" (hint: {d.hint})" if d.hint else "")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _sarif_uri(result.path)}, "region": region}}],
            }
            if d.fix is not None:
                fix_region = {"startLine": d.fix.span.line, "startColumn": d.fix.span.column,
                              "endLine": d.fix.span.end_line, "endColumn": d.fix.span.end_column}
                entry["fixes"] = [{
                    "description": {"text": d.fix.title or "Apply the suggested edit"},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": _sarif_uri(result.path)},
                        "replacements": [{"deletedRegion": fix_region, "insertedContent": {"text": d.fix.replacement}}],
                    }],
                }]
            out_results.append(entry)
    payload = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "csdl", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "results": out_results,
            # our columns count code points, not the UTF-16 units SARIF readers assume by default
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


_GITHUB_LEVELS = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: list[FileResult], *, color: bool = False) -> str:
    """GitHub Actions workflow commands: one ``::error file=…,line=…,col=…::message`` per diagnostic."""
    lines = []
    for r in results:
        for d in r.diagnostics:
            level = _GITHUB_LEVELS.get(d.severity, "warning")
            props = (f"title={_gh_property(f'csdl ({d.code})')},file={_gh_property(r.path)},line={d.span.line},"
                     f"col={d.span.column},endLine={d.span.end_line},endColumn={d.span.end_column}")
            message = d.one_line(r.path)
            lines.append(f"::{level} {props}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


REPORTERS: dict[str, Callable[..., str]] = {
    "full": render_full,
    "concise": render_concise,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}

#: Formats whose output is a machine payload: nothing but the payload goes to stdout.
MACHINE_FORMATS = {"json", "sarif", "github"}
