"""JSON with positions: every value and key of a payload keeps its offsets, so that a diagnostic
points at the token it is about. Lark (LALR, the basic lexer) parses ``grammar/json.lark`` and the
callbacks below build ``Node`` objects as it reduces, without recursion (a deeply nested body
cannot exhaust the stack). Invalid JSON raises ``JSONSyntaxError`` with the offset and a message
in plain words; nothing of Lark escapes.
"""

from __future__ import annotations

import json
import os
import re
import threading

OBJECT, ARRAY, STRING, NUMBER, TRUE, FALSE, NULL = "object", "array", "string", "number", "true", "false", "null"
MAX_DEPTH = 200  # deeper bodies are refused: no payload of the platform nests beyond five levels

_TYPE_WORDS = {OBJECT: "an object", ARRAY: "an array", STRING: "a string", NUMBER: "a number",
               TRUE: "a boolean", FALSE: "a boolean", NULL: "null"}
_TOKEN_WORDS = {"LBRACE": "`{`", "RBRACE": "`}`", "LBRACKET": "`[`", "RBRACKET": "`]`", "COMMA": "`,`",
                "COLON": "`:`", "STRING": "a string", "NUMBER": "a number", "TRUE": "`true`", "FALSE": "`false`",
                "NULL": "`null`", "$END": "the end of the file"}


class Node:
    """One JSON value: its ``type``, its Python ``value`` (for scalars), its ``start``/``end``
    offsets in the text, and for containers its ``items`` (array) or ``pairs`` (object: a list of
    ``(key node, value node)`` in source order; ``get`` finds the last value of a key, as JSON
    parsers do)."""

    __slots__ = ("type", "value", "start", "end", "raw", "items", "pairs", "depth", "_index")

    def __init__(self, type_: str, start: int, end: int, value=None, raw: str = ""):
        self.type = type_
        self.start = start
        self.end = end
        self.value = value
        self.raw = raw
        self.items: list[Node] = []
        self.pairs: list[tuple[Node, Node]] = []
        self.depth = 0
        self._index: dict[str, Node] | None = None

    @property
    def type_word(self) -> str:
        return _TYPE_WORDS[self.type]

    @property
    def is_bool(self) -> bool:
        return self.type in (TRUE, FALSE)

    @property
    def is_integer(self) -> bool:
        """A number written without a fraction or an exponent."""
        return self.type == NUMBER and not any(c in self.raw for c in ".eE")

    def get(self, key: str) -> Node | None:
        if self.type != OBJECT:
            return None
        if self._index is None:
            self._index = {k.value: v for k, v in self.pairs}
        return self._index.get(key)

    def key_node(self, key: str) -> Node | None:
        """The (last) key token ``key`` of an object."""
        for k, _ in reversed(self.pairs):
            if k.value == key:
                return k
        return None

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def to_python(self):
        """The plain Python value (iterative: no recursion limit)."""
        if self.type not in (OBJECT, ARRAY):
            return self.value
        results: dict[int, object] = {}
        stack: list[tuple[Node, bool]] = [(self, False)]
        while stack:
            node, done = stack.pop()
            if node.type == OBJECT:
                if done:
                    results[id(node)] = {k.value: results.pop(id(v)) if v.type in (OBJECT, ARRAY) else v.value
                                         for k, v in node.pairs}
                else:
                    stack.append((node, True))
                    stack.extend((v, False) for _, v in node.pairs if v.type in (OBJECT, ARRAY))
            elif node.type == ARRAY:
                if done:
                    results[id(node)] = [results.pop(id(v)) if v.type in (OBJECT, ARRAY) else v.value for v in node.items]
                else:
                    stack.append((node, True))
                    stack.extend((v, False) for v in node.items if v.type in (OBJECT, ARRAY))
        return results[id(self)]

    def canonical(self) -> str:
        """A key-order-independent text of the value, to compare two resources."""
        return json.dumps(self.to_python(), sort_keys=True, ensure_ascii=True, separators=(",", ":"))

    def __repr__(self) -> str:
        return f"Node({self.type} {self.start}:{self.end})"


class JSONSyntaxError(ValueError):
    """Invalid JSON: ``offset`` and ``length`` of the offending text and a plain-words message."""

    def __init__(self, message: str, offset: int, length: int = 1, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = length
        self.hint = hint


class DuplicateKey:
    """A key given twice in one object (JSON parsers keep the last value)."""

    __slots__ = ("first", "second")

    def __init__(self, first: Node, second: Node):
        self.first = first
        self.second = second


class _TooDeep(Exception):
    """Raised by the callbacks as soon as a container nests too deep (before more work is done)."""


def _string_value(raw: str) -> str:
    return json.loads(raw)


def _number_value(raw: str):
    if any(c in raw for c in ".eE"):
        return float(raw)
    try:
        return int(raw)
    except ValueError:  # more digits than Python converts; no payload field needs such a number
        return float(raw)


class _Builder:
    """Lark's inline callbacks; stateless, so one parser serves every thread. An object keeps the
    keys it was given twice in ``_dups`` (collected by ``parse_json``)."""

    @staticmethod
    def _leaf(type_: str, token, value) -> Node:
        return Node(type_, token.start_pos, token.end_pos, value, str(token))

    def string(self, children):
        token = children[0]
        return self._leaf(STRING, token, _string_value(str(token)))

    def number(self, children):
        token = children[0]
        return self._leaf(NUMBER, token, _number_value(str(token)))

    def true(self, children):
        return self._leaf(TRUE, children[0], True)

    def false(self, children):
        return self._leaf(FALSE, children[0], False)

    def null(self, children):
        return self._leaf(NULL, children[0], None)

    def pair(self, children):
        key_token, _, value = children
        return (self._leaf(STRING, key_token, _string_value(str(key_token))), value)

    def object(self, children):
        node = Node(OBJECT, children[0].start_pos, children[-1].end_pos)
        seen: dict[str, Node] = {}
        dups = None
        depth = 0
        for child in children[1:-1]:
            if type(child) is tuple:
                key, value = child
                node.pairs.append(child)
                if key.value in seen:
                    dups = dups or []
                    dups.append(DuplicateKey(seen[key.value], key))
                seen[key.value] = key
                if value.depth > depth:
                    depth = value.depth
        node.depth = depth + 1
        if dups:
            node.value = dups  # an object's value slot is otherwise unused
        if node.depth > MAX_DEPTH:
            raise _TooDeep()
        return node

    def array(self, children):
        node = Node(ARRAY, children[0].start_pos, children[-1].end_pos)
        depth = 0
        for child in children[1:-1]:
            if type(child) is Node:
                node.items.append(child)
                if child.depth > depth:
                    depth = child.depth
        node.depth = depth + 1
        if node.depth > MAX_DEPTH:
            raise _TooDeep()
        return node


_lark = None
_lock = threading.Lock()


def grammar_path() -> str:
    import csdl.grammar

    return os.path.join(os.path.dirname(csdl.grammar.__file__), "json.lark")


def _parser():
    """One Lark parser, built on first use, that builds ``Node`` objects while it reduces."""
    global _lark
    if _lark is None:
        with _lock:
            if _lark is None:
                from lark import Lark

                from csdl.payloads.json_lexer import ScanLexer

                with open(grammar_path(), encoding="utf-8") as f:
                    grammar = f.read()
                _lark = Lark(grammar, parser="lalr", lexer=ScanLexer, maybe_placeholders=False,
                             transformer=_Builder(), cache=_cache_file(grammar))
    return _lark


def _cache_file(grammar: str) -> str | bool:
    """The parser tables in the user's cache directory (Lark checks the grammar inside the file);
    False when the directory cannot be created."""
    import hashlib

    import lark

    from csdl.language.regex_cache import cache_dir

    directory = cache_dir()
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return False
    if not os.access(directory, os.W_OK):
        return False
    digest = hashlib.sha256((grammar + lark.__version__).encode()).hexdigest()[:16]
    return os.path.join(directory, f"json-payload-{digest}.lark-cache")


def parse_json(text: str) -> tuple[Node, list[DuplicateKey]]:
    """The root node of ``text`` and the keys given twice; ``JSONSyntaxError`` for invalid JSON."""
    if not text.strip():
        raise JSONSyntaxError("the file is empty: expected a JSON object", 0, 0)
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    from csdl.payloads.json_lexer import StopAt

    try:
        root = _parser().parse(text)
    except StopAt as exc:
        raise _character_error(text, exc.pos) from None
    except _TooDeep:
        raise JSONSyntaxError(f"the JSON nests deeper than {MAX_DEPTH} levels", _too_deep_at(text), 1) from None
    except UnexpectedCharacters as exc:
        raise _character_error(text, exc.pos_in_stream) from None
    except UnexpectedToken as exc:
        raise _token_error(text, exc) from None
    except UnexpectedEOF as exc:
        raise JSONSyntaxError(f"unexpected end of file: expected {_expected(exc.expected)}", len(text), 0) from None
    except UnexpectedInput as exc:  # pragma: no cover - the three above are all Lark raises here
        raise JSONSyntaxError(f"invalid JSON: {exc}", getattr(exc, "pos_in_stream", 0) or 0) from None
    return root, _duplicates(root)


def _duplicates(root: Node) -> list[DuplicateKey]:
    found: list[DuplicateKey] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == OBJECT:
            if node.value:
                found.extend(node.value)
            stack.extend(v for _, v in node.pairs if v.type in (OBJECT, ARRAY))
        elif node.type == ARRAY:
            stack.extend(v for v in node.items if v.type in (OBJECT, ARRAY))
    found.sort(key=lambda d: d.second.start)
    return found


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _character_error(text: str, pos: int) -> JSONSyntaxError:
    char = text[pos] if pos < len(text) else ""
    if _depth_at(text, pos) == 0 and text[:pos].strip():
        return JSONSyntaxError("unexpected text after the JSON value", pos, 1,
                               hint="a payload file holds exactly one JSON value")
    if char == '"':
        return _string_error(text, pos)
    if char == "'":
        return JSONSyntaxError("JSON strings are written in double quotes, not single quotes", pos, 1,
                               hint='write "value" instead of \'value\'')
    word = _WORD.match(text, pos)
    if word and text[word.end():].lstrip(" \t\r\n").startswith(":"):
        found = word.group(0)
        return JSONSyntaxError(f"the key `{found}` is not quoted: JSON keys are strings in double quotes", pos,
                               len(found), hint=f'write "{found}"')
    if word:
        found = word.group(0)
        hints = {"True": "true", "False": "false", "None": "null", "NaN": "null", "Infinity": "a number",
                 "undefined": "null", "TRUE": "true", "FALSE": "false", "NULL": "null"}
        hint = f"write {hints[found]}" if found in hints else "quote text in double quotes"
        return JSONSyntaxError(f"`{found}` is not a JSON value", pos, len(found), hint=hint)
    if char in "/#":
        return JSONSyntaxError("JSON has no comments", pos, 1,
                               hint="remove the comment; per-file ignores go in the configuration")
    if char.isdigit() or char in "+-.":
        end = pos
        while end < len(text) and (text[end].isalnum() or text[end] in "+-."):
            end += 1
        return JSONSyntaxError(f"`{text[pos:end]}` is not a JSON number", pos, max(1, end - pos),
                               hint="numbers have no leading zeros, leading `+` or `.`, or trailing `.`")
    shown = _show_char(char)
    return JSONSyntaxError(f"unexpected character {shown}", pos, 1)


def _show_char(char: str) -> str:
    if char.isprintable() and char not in " \u3000":
        return f"`{char}`"
    return f"U+{ord(char):04X}"


def _string_error(text: str, pos: int) -> JSONSyntaxError:
    """The problem inside a string that the lexer could not match, located at the bad character."""
    i = pos + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            break  # pragma: no cover - a well-formed string would have matched
        if c == "\\":
            nxt = text[i + 1:i + 2]
            if nxt == "u":
                digits = text[i + 2:i + 6]
                if len(digits) < 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    return JSONSyntaxError("`\\u` must be followed by four hexadecimal digits", i, 2)
                i += 6
                continue
            if nxt and nxt in '"\\/bfnrt':
                i += 2
                continue
            return JSONSyntaxError(f"invalid escape `\\{nxt}` in a string", i, 2,
                                   hint="JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")
        if c == "\n" or c == "\r":
            return JSONSyntaxError("unterminated string: a line break before the closing quote", pos, i - pos,
                                   hint="close the string, or write the line break as \\n")
        if ord(c) < 0x20:
            return JSONSyntaxError(f"control character U+{ord(c):04X} inside a string", i, 1,
                                   hint="escape it (\\t, \\n or \\u00XX)")
        i += 1
    return JSONSyntaxError("unterminated string", pos, i - pos)


def _expected(names) -> str:
    words = sorted({_TOKEN_WORDS.get(n, n) for n in names if n not in ("WS",)})
    values = {"a string", "a number", "`true`", "`false`", "`null`", "`{`", "`[`"}
    if values <= set(words):
        words = ["a value"] + [w for w in words if w not in values]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def _token_error(text: str, exc) -> JSONSyntaxError:
    token = exc.token
    pos = token.start_pos if token.start_pos is not None else len(text)
    if token.type == "$END":
        return JSONSyntaxError(f"unexpected end of file: expected {_expected(exc.expected)}", len(text), 0)
    before = text[:pos].rstrip()
    brackets = _open_brackets(text, pos)
    if token.type == "COLON" and brackets and brackets[-1] == "[":
        return JSONSyntaxError("`:` inside an array: is the `{` of an object missing before its first key?", pos, 1,
                               hint="an array of objects is written [{\"key\": value}, …]")
    if not brackets:
        return JSONSyntaxError("unexpected text after the JSON value", pos, max(1, len(token)),
                               hint="a payload file holds exactly one JSON value")
    if token.type == "NUMBER" and pos > 0 and text[pos - 1] == "0" and (pos < 2 or not text[pos - 2].isdigit()):
        return JSONSyntaxError("JSON numbers have no leading zeros", pos - 1, len(token) + 1,
                               hint="write the number without the leading 0, or quote it as a string")
    if token.type in ("RBRACE", "RBRACKET") and before.endswith(","):
        comma = len(before) - 1
        return JSONSyntaxError("trailing comma: JSON allows no comma before a closing bracket", comma, 1,
                               hint="remove the comma")
    if "COMMA" in exc.expected and token.type in ("STRING", "NUMBER", "TRUE", "FALSE", "NULL", "LBRACE", "LBRACKET"):
        return JSONSyntaxError(f"missing comma before {_TOKEN_WORDS[token.type]}", pos, max(1, len(token)),
                               hint="separate the items with `,`")
    if "COLON" in exc.expected and token.type != "COLON":
        return JSONSyntaxError(f"expected `:` after the key, found {_TOKEN_WORDS.get(token.type, str(token))}", pos,
                               max(1, len(token)))
    if exc.expected <= {"STRING", "RBRACE"} or exc.expected == {"STRING"}:
        return JSONSyntaxError(f"expected a key in double quotes, found {_TOKEN_WORDS.get(token.type, str(token))}",
                               pos, max(1, len(token)))
    return JSONSyntaxError(f"expected {_expected(exc.expected)}, found {_TOKEN_WORDS.get(token.type, str(token))}",
                           pos, max(1, len(token)))


_SKIP = re.compile(r'"(?:[^"\\]|\\.)*"?|[^"\[\]{}]+')


def _open_brackets(text: str, pos: int) -> list[str]:
    """The brackets still open at ``pos``, outermost first (strings skipped)."""
    stack: list[str] = []
    i = 0
    while i < pos:
        c = text[i]
        if c in "[{":
            stack.append(c)
            i += 1
        elif c in "]}":
            if stack:
                stack.pop()
            i += 1
        else:
            i = _SKIP.match(text, i).end()
    return stack


def _depth_at(text: str, pos: int) -> int:
    return len(_open_brackets(text, pos))


def _too_deep_at(text: str) -> int:
    """The offset of the first bracket that opens level ``MAX_DEPTH + 1``."""
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
            i += 1
        elif c in "]}":
            depth -= 1
            i += 1
        else:
            i = _SKIP.match(text, i).end()
    return 0  # pragma: no cover - only called for a text that nests too deep
