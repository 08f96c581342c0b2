"""Completion: what may come next at the cursor, from the catalogue, the grammar's words and the
stream library.

The text before the cursor is usually not valid CSDL yet, so the parser cannot say where the
cursor is; a light scan of the tokens before it can: after a target come its operators (and
``cs``), after ``cs`` the operators that take it, after an operator its switches, after a value
``AND``/``OR``, and a dotted word being typed is a target prefix.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from csdl.language import vocabulary
from csdl.lsp import explain

_TOKEN = re.compile(
    r"""(?P<comment>//[^\r\n]*|/\*[\s\S]*?(?:\*/|\Z))
      | (?P<string>"(?:[^"\\]|\\[\s\S])*(?:"|\Z))
      | (?P<word>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]*)*)
      | (?P<symbol>==|!=|<=|>=|<|>)
      | (?P<punct>[{}()\[\],])
      | (?P<space>\s+)
      | (?P<other>.)""",
    re.VERBOSE,
)
_LOGIC = {"and", "or", "not"}
_CLOSED_STRING = re.compile(r'"(?:[^"\\]|\\[\s\S])*"')


class Token:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind: str, text: str, start: int, end: int):
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    @property
    def lower(self) -> str:
        return self.text.lower()


def tokens_before(text: str, offset: int) -> list[Token]:
    out = []
    for match in _TOKEN.finditer(text, 0, offset):
        kind = match.lastgroup
        if kind == "space":
            continue
        value = match.group()
        if kind == "word" and re.fullmatch(r"[+-]?\d+(?:\.\d*)?", value):
            kind = "number"
        out.append(Token(kind, value, match.start(), match.end()))
    return out


class Vocabulary:
    """The words completion offers, read once."""

    def __init__(self):
        table = vocabulary.terminals()
        self.operators = set(vocabulary.operators())
        self.statement_words = table["TAG_HEAD"] + table["TAGS"] + table["RETURN"]
        self.stream_words = table["STREAM"]
        self.cs = table["CS"][0]
        self.keywords = set(vocabulary.keywords()) | {self.cs}


_vocabulary: Vocabulary | None = None


def _words() -> Vocabulary:
    global _vocabulary
    if _vocabulary is None:
        _vocabulary = Vocabulary()
    return _vocabulary


def _canonical(operator: str) -> str:
    from csdl.language.ast import OPERATOR_SYNONYMS

    return OPERATOR_SYNONYMS.get(operator.lower(), operator.lower())


def complete(text: str, offset: int, platform: str, library, pricing, edit_range,
             retrigger: str | None = None) -> lsp.CompletionList:
    """``edit_range(start, end)`` turns offsets into an ``lsp.Range`` for text edits; ``retrigger``
    is the client's command that opens completion again (after a namespace is chosen), if any."""
    words = _words()
    tokens = tokens_before(text, offset)
    last = tokens[-1] if tokens else None
    # Inside a comment: nothing. Inside an open string: hashes after stream/tags, else nothing.
    if last is not None and last.end == offset:
        if last.kind == "comment" and not (last.text.startswith("/*") and last.text.endswith("*/")):
            return _list([])
        if last.kind == "string" and not _CLOSED_STRING.fullmatch(last.text):
            before = tokens[-2] if len(tokens) > 1 else None
            if before is not None and before.lower in words.stream_words + ["tags"]:
                return _list(_hashes(library, edit_range(last.start + 1, offset)))
            return _list([])
    partial = ""
    if last is not None and last.end == offset and last.kind in ("word", "number"):
        partial = last.text
        tokens = tokens[:-1]
    significant = [t for t in tokens if t.kind != "comment"]
    prev = significant[-1] if significant else None
    start = offset - len(partial)
    replace = edit_range(start, offset)

    if prev is None or prev.text in ("(", "{") or prev.lower in _LOGIC or prev.text == "}":
        items = _expression_start(partial, platform, replace, statements=prev is None or prev.text == "}",
                                  retrigger=retrigger)
        return _list(items, incomplete="." not in partial)
    if prev.kind == "word" and prev.lower.split(".", 1)[0] == "tag":
        return _list([])  # a tag's namespace path: the name or score comes next
    if prev.kind == "word" and prev.lower not in words.keywords and prev.lower not in words.operators and "." in prev.text:
        return _list(_operators_for(prev.lower, platform, pricing, replace, with_cs=True))
    if prev.lower == words.cs and len(significant) > 1:
        return _list(_operators_for(significant[-2].lower, platform, pricing, replace, cs_only=True))
    if prev.lower == "exists":
        return _list(_keywords(["AND", "OR"], replace))
    if prev.kind == "word" and prev.lower in words.operators:
        return _list(_switches(_canonical(prev.lower), replace))
    if prev.text == "[" and len(significant) > 1 and significant[-2].lower in words.operators:
        return _list(_switches(_canonical(significant[-2].lower), edit_range(prev.start, offset)))
    if prev.kind in ("string", "number") or prev.text in ("]", ")") or prev.lower == "exists":
        return _list(_keywords(["AND", "OR"], replace))
    return _list([])


def _list(items, incomplete: bool = False) -> lsp.CompletionList:
    return lsp.CompletionList(is_incomplete=incomplete, items=items)


def _platform_ok(target, platform: str) -> bool:
    return target.platform in (platform, "both")


def _retired(target) -> bool:
    return target.note.startswith("retired source")


def _expression_start(partial: str, platform: str, replace, statements: bool,
                      retrigger: str | None = None) -> list[lsp.CompletionItem]:
    from csdl.checking.catalogue import targets

    words = _words()
    items: list[lsp.CompletionItem] = []
    lowered = partial.lower()
    if "." in partial:
        namespace = lowered.rsplit(".", 1)[0] + "."
        for name, target in targets().items():
            if not name.startswith(namespace) or not _platform_ok(target, platform):
                continue
            retired = _retired(target)
            detail = f"{target.type_label} · {explain.data()['kinds'].get(target.kind, target.kind)}"
            items.append(lsp.CompletionItem(
                label=name,
                kind=lsp.CompletionItemKind.Field,
                detail=detail + (" · retired source" if retired else ""),
                tags=[lsp.CompletionItemTag.Deprecated] if retired else None,
                sort_text=("1" if retired else "0") + name,
                filter_text=name,
                text_edit=lsp.TextEdit(range=replace, new_text=name),
            ))
        return items
    namespaces: dict[str, list] = {}
    for name, target in targets().items():
        if _platform_ok(target, platform):
            namespaces.setdefault(name.split(".", 1)[0], []).append(target)
    for namespace, members in sorted(namespaces.items()):
        retired = all(_retired(t) for t in members)
        items.append(lsp.CompletionItem(
            label=namespace + ".",
            kind=lsp.CompletionItemKind.Module,
            detail=f"{len(members)} targets" + (" · retired source" if retired else ""),
            tags=[lsp.CompletionItemTag.Deprecated] if retired else None,
            sort_text=("2" if retired else "1") + namespace,
            filter_text=namespace,
            text_edit=lsp.TextEdit(range=replace, new_text=namespace + "."),
            command=lsp.Command(title="Complete the target", command=retrigger) if retrigger else None,
        ))
    keywords = ["NOT"] + [w for w in words.stream_words[:1]]
    if statements:
        keywords = words.statement_words + keywords
    items.extend(_keywords(keywords, replace))
    return items


def _keywords(names, replace) -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=name, kind=lsp.CompletionItemKind.Keyword, sort_text="0" + name,
                               text_edit=lsp.TextEdit(range=replace, new_text=name)) for name in names]


def _operators_for(name: str, platform: str, pricing, replace, *, with_cs: bool = False, cs_only: bool = False):
    from csdl.checking.catalogue import lookup
    from csdl.checking.validate import CS_OPERATORS, PYLON_UNAVAILABLE
    from csdl.lsp.hover import operator_documentation, ordered_operators

    target = lookup(name)
    allowed = set(target.operators) if target is not None else set(explain.data()["operators"])
    if platform == "pylon":
        allowed -= PYLON_UNAVAILABLE
    if cs_only:
        allowed &= CS_OPERATORS
    items = []
    ordered = ordered_operators(allowed)
    for rank, op in enumerate(ordered):
        entry = explain.data()["operators"].get(op, {})
        items.append(lsp.CompletionItem(
            label=op,
            kind=lsp.CompletionItemKind.Operator,
            detail=entry.get("does"),
            documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=operator_documentation(op, pricing)),
            sort_text=f"{rank:03d}",
            text_edit=lsp.TextEdit(range=replace, new_text=op),
        ))
    can_cs = target is None or target.cs
    if with_cs and can_cs and platform != "pylon" and allowed & CS_OPERATORS:
        words = _words()
        items.append(lsp.CompletionItem(
            label=words.cs, kind=lsp.CompletionItemKind.Keyword, detail="case-sensitive matching",
            sort_text="999", text_edit=lsp.TextEdit(range=replace, new_text=words.cs)))
    return items


def _switches(operator: str, replace) -> list[lsp.CompletionItem]:
    from csdl.checking.arguments import SWITCHABLE_OPERATORS
    from csdl.checking.validate import CS_OPERATORS

    items = []
    for switch, doc in explain.data()["switches"].items():
        name = switch.split("(", 1)[0]
        if name == "case" and operator not in CS_OPERATORS:
            continue
        if name in ("keep", "drop") and operator not in SWITCHABLE_OPERATORS:
            continue
        text = f"[{switch}]"
        items.append(lsp.CompletionItem(label=text, kind=lsp.CompletionItemKind.Property, detail=doc,
                                        text_edit=lsp.TextEdit(range=replace, new_text=text)))
    return items


def _hashes(library, replace) -> list[lsp.CompletionItem]:
    if library is None:
        return []
    import os

    from csdl.library import HEX_NAME

    items = []
    seen = set()
    for entry in library.entries:
        names = []
        stem = os.path.splitext(os.path.basename(entry.path))[0]
        if HEX_NAME.fullmatch(stem):
            names.append(stem.lower())
        if entry.hash:
            names.append(entry.hash)
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            first = next((line for line in (entry.text or "").splitlines() if line.strip()), "")
            items.append(lsp.CompletionItem(
                label=name, kind=lsp.CompletionItemKind.Reference,
                detail=os.path.relpath(entry.path, library.directory),
                documentation=first[:200] or None,
                text_edit=lsp.TextEdit(range=replace, new_text=name),
            ))
    return items
