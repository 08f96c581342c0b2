"""Tests for the token-based text operators: contains, contains_any, contains_all,
contains_near, wildcard and substr.

Each builder returns ``test(text, memo) -> bool`` for one already case-normalised string; the
caller (``conditions``) reads the target, lower-cases it once per post and handles arrays.

Tokens are those of ``csdl.language.tokens`` (a run of letters/digits/underscores, or one punctuation
character). A phrase of tokens ``t1 … tn`` occurs where the text's tokens contain it
contiguously. Rather than tokenising every post, a phrase becomes a regular expression that
accepts exactly the texts whose token sequence contains it (white space between tokens, a
word boundary where a word token starts or ends), and runs only after a plain substring test
has found its longest token: most posts are rejected by that one C-level ``in``.
"""

from __future__ import annotations

import bisect
import re

from csdl.language.tokens import TOKEN, tokenize

from csdl.evaluate.re2util import compile_re2, searcher

_WORDS = re.compile(r"\w+")
_IS_WORD = re.compile(r"\w")

# Above this many items a keyword list is matched with token sets instead of one substring test
# per item: the per-post tokenising cost (~20 µs for 1 KB) is then paid once instead of n × 0.3 µs.
TOKEN_SET_THRESHOLD = 48
# Up to this many distinct keys, contains_any tries each as a substring before asking RE2. A
# substring test of a 100-character post costs 40-130 ns (more on text beyond Latin-1); a RE2
# call about 1 µs whatever the text: measured, ten keys that none matches cost as much as RE2.
PREFILTER_KEYS = 6


def _is_word(token: str) -> bool:
    return _IS_WORD.match(token) is not None


def phrase_pattern(tokens: list[str]) -> str:
    """A Python regex accepting a text whose tokens contain ``tokens`` contiguously."""
    parts = []
    for i, token in enumerate(tokens):
        if i:
            # Two word tokens need white space between them or they would be one token.
            parts.append(r"\s+" if _is_word(tokens[i - 1]) and _is_word(token) else r"\s*")
        parts.append(re.escape(token))
    pattern = "".join(parts)
    if _is_word(tokens[0]):
        pattern = r"(?<!\w)" + pattern
    if _is_word(tokens[-1]):
        pattern += r"(?!\w)"
    return pattern


class Phrase:
    """One word or phrase of a contains-family argument, ready to search for. The regular
    expression is built only when asked for: a 100,000-item list needs only the tokens."""

    __slots__ = ("tokens", "key")

    def __init__(self, text: str, *, lower: bool):
        if lower:
            text = text.lower()
        self.tokens = tokenize(text)
        # The longest token is the rarest in practice: the best cheap rejection.
        self.key = max(self.tokens, key=len) if self.tokens else ""

    def test(self):
        """``test(text, memo=None) -> bool`` for this phrase, the cheapest way its shape allows
        (the text tests' signature, so that no wrapper call stands between)."""
        if not self.tokens:
            return lambda text, memo=None: False
        key = self.key
        if len(self.tokens) == 1:
            if not _is_word(key):
                return lambda text, memo=None: key in text  # a punctuation token is a token wherever it is
            return lambda text, memo=None: key in text and _word_at(text, key)
        search = re.compile(phrase_pattern(self.tokens)).search
        return lambda text, memo=None: key in text and search(text) is not None


def _word_at(text: str, word: str) -> bool:
    """Does ``word`` (word characters only) occur in ``text`` as a whole token? A plain find
    and two neighbour checks: str.isalnum() plus ``_`` is exactly what ``\\w`` matches."""
    n = len(word)
    end = len(text)
    index = text.find(word)
    while index >= 0:
        after = index + n
        if (index == 0 or not _word_char(text[index - 1])) and (after == end or not _word_char(text[after])):
            return True
        index = text.find(word, index + 1)
    return False


def _word_char(char: str) -> bool:
    return char == "_" or char.isalnum()


def _memoised_findall(pattern: re.Pattern, tag: str):
    """``of(text, memo)``: ``pattern.findall(text)``, computed once per post and text."""
    findall = pattern.findall

    def of(text: str, memo) -> list[str]:
        key = (text, tag)
        found = memo.get(key)
        if found is None:
            found = memo[key] = findall(text)
        return found

    return of


tokens_of = _memoised_findall(TOKEN, "tokens")

# Every ASCII byte that is not a word character, as a space; every other byte as it is. A text's
# word tokens are the runs of word characters between non-word ones, so after this translation
# (of the text's UTF-8 bytes: a C loop over a 256-byte table) white-space splitting finds them,
# except inside a piece holding a non-ASCII character that is not a word character (an emoji, a
# fancy quote), which the regular expression splits. ``str.translate`` with a dict looks each
# distinct character up in the dict again on every call: a few times slower.
_ASCII_NON_WORD = bytes(32 if code < 128 and not (chr(code).isalnum() or code == 95) else code for code in range(256))
_find_words = _WORDS.findall


def _words(text: str) -> list[str]:
    """``\\w+`` findall of ``text``, the fast way (white space is never a word character, and
    ``\\w`` is exactly ``str.isalnum()`` or ``_``: tests/test_evaluate_tokens_property.py)."""
    if text.isascii():
        return text.encode().translate(_ASCII_NON_WORD).decode().split()
    pieces = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD).decode("utf-8", "surrogatepass").split()
    words: list[str] = []
    for piece in pieces:
        if piece.isascii() or piece.isalnum():  # one run of word characters
            words.append(piece)
        else:
            words.extend(_find_words(piece))
    return words


def words_of(text: str, memo) -> list[str]:
    """The word tokens of ``text`` (runs of letters, digits and ``_``), once per post and text."""
    key = (text, "words")
    found = memo.get(key)
    if found is None:
        found = memo[key] = _words(text)
    return found


_words_of = words_of


def contains(phrase_text: str, *, lower: bool):
    return Phrase(phrase_text, lower=lower).test()


class _TokenIndex:
    """Single-token items in sets, multi-token items as tuples grouped by their first token: the
    cost per post is one pass over the post's tokens whatever the list size.

    Most items are one word, and a word item occurs exactly where it is one of the text's word
    tokens: the words alone (``words_of``, a fast path on ASCII text) answer for them. An item
    that is one punctuation character occurs wherever that character does. Only when the text
    holds the first token of some phrase are its full tokens needed."""

    def __init__(self, token_lists):
        singles = {t[0] for t in token_lists if len(t) == 1}
        self.singles = frozenset(singles)
        # A token is all word characters or one other character: its first character tells.
        self.word_singles = frozenset(t for t in singles if _word_char(t[0]))
        self.char_singles = frozenset(t for t in singles if not _word_char(t[0]))  # one character each
        self.multi = {tuple(t) for t in token_lists if len(t) > 1}
        self.firsts = frozenset(t[0] for t in self.multi)
        self.word_firsts = frozenset(t for t in self.firsts if _word_char(t[0]))
        self.char_firsts = frozenset(t for t in self.firsts if not _word_char(t[0]))
        self.lengths = sorted({len(t) for t in self.multi})

    def phrases_in(self, tokens: list[str]) -> set:
        """The multi-token items present in ``tokens``."""
        found = set()
        firsts, multi, lengths = self.firsts, self.multi, self.lengths
        for i, token in enumerate(tokens):
            if token in firsts:
                for n in lengths:
                    candidate = tuple(tokens[i : i + n])
                    if candidate in multi:
                        found.add(candidate)
        return found

    def _may_hold_a_phrase(self, text: str, words: list[str]) -> bool:
        return bool(self.multi) and (not self.word_firsts.isdisjoint(words)
                                     or (bool(self.char_firsts) and not self.char_firsts.isdisjoint(text)))

    def any_in_text(self, text: str, memo) -> bool:
        return self._any_in(text, words_of(text, memo), memo)

    def any_in_unshared_text(self, text: str, memo) -> bool:
        """``any_in_text`` for a text no other condition reads: its words are not kept."""
        return self._any_in(text, _words(text), memo)

    def _any_in(self, text: str, words: list[str], memo) -> bool:
        if not self.word_singles.isdisjoint(words):
            return True
        if self.char_singles and not self.char_singles.isdisjoint(text):
            return True
        return self._may_hold_a_phrase(text, words) and self.any_phrase_in(tokens_of(text, memo))

    def any_phrase_in(self, tokens: list[str]) -> bool:
        firsts, multi, lengths = self.firsts, self.multi, self.lengths
        for i, token in enumerate(tokens):
            if token in firsts:
                for n in lengths:
                    if tuple(tokens[i : i + n]) in multi:
                        return True
        return False

    def all_in_text(self, text: str, memo) -> bool:
        if not self.word_singles.issubset(words_of(text, memo)):
            return False
        if not self.char_singles.issubset(text):
            return False
        return len(self.phrases_in(tokens_of(text, memo))) == len(self.multi) if self.multi else True


def _phrases(items, lower: bool) -> list[Phrase]:
    # An empty item has no tokens and so can never occur; the validator reports it.
    return [p for p in (Phrase(item, lower=lower) for item in items) if p.tokens]


def _token_lists(items, lower: bool) -> list:
    """The tokens of each item that has any. A long list is mostly plain ASCII words (split on
    white space, those are its tokens), so the tokenizer runs only for the other items."""
    out = []
    isalnum = str.isalnum
    for item in items:
        text = item.lower() if lower else item
        words = text.split()
        if text.isascii() and all(map(isalnum, words)):
            if words:
                out.append(words)
        else:
            tokens = tokenize(text)
            if tokens:
                out.append(tokens)
    return out


def contains_any(items, *, lower: bool, shared: bool = True):
    """``shared``: other conditions may read the same text (its word tokens are then kept in the
    post's memo for them)."""
    if len(items) > TOKEN_SET_THRESHOLD:
        token_lists = _token_lists(items, lower)
        if len(token_lists) > TOKEN_SET_THRESHOLD:
            index = _TokenIndex(token_lists)
            return index.any_in_text if shared else index.any_in_unshared_text
    phrases = _phrases(items, lower)
    if not phrases:
        return lambda text, memo: False
    # One RE2 program for the whole list: a single linear pass over the text instead of one
    # substring search per item (each of which must widen the needle for non-Latin-1 text).
    search = searcher(compile_re2(re2_phrases([p.tokens for p in phrases])))
    keys = tuple(dict.fromkeys(p.key for p in phrases))
    if len(keys) > PREFILTER_KEYS:
        return search

    # A phrase that occurs has its longest token in the text, as a substring: a few substring
    # searches rule out most texts before the RE2 call (most of whose cost is the binding's own,
    # not the scan).
    def test(text, memo=None):
        for key in keys:
            if key in text:
                return search(text)
        return False

    return test


def contains_all(items, *, lower: bool):
    phrases = _phrases(items, lower)
    if len(phrases) < len(items) or not phrases:
        return lambda text, memo: False
    if len(phrases) > TOKEN_SET_THRESHOLD:
        return _TokenIndex([p.tokens for p in phrases]).all_in_text
    keys = [p.key for p in phrases]
    tests = [p.test() for p in phrases]

    def test(text, memo):
        for key in keys:
            if key not in text:
                return False
        for one in tests:
            if not one(text):
                return False
        return True

    return test


class Substring:
    """``substr``'s test, ``needle in text``: a condition writes it in rather than calling it
    (csdl.evaluate.inlined.TEXT_TESTS)."""

    __slots__ = ("needle",)

    def __init__(self, needle: str):
        self.needle = needle

    def __call__(self, text: str, memo=None) -> bool:
        return self.needle in text


def substr(needle: str, *, lower: bool) -> Substring:
    return Substring(needle.lower() if lower else needle)




def contains_near(words, distance: int, *, lower: bool):
    """All ``words`` within a window of ``distance`` consecutive words, in any order.

    Positions count word tokens only: punctuation is not a word (docs/run.md). A near word that
    is itself several word tokens (``e-mail``) must occur as that run, inside the window.
    """
    parts = [tuple(_WORDS.findall(w.lower() if lower else w)) for w in words]
    if not parts or any(not p for p in parts) or distance is None or distance < 1:
        return lambda text, memo: False
    keys = [max(p, key=len) for p in parts]

    def test(text, memo):
        for key in keys:
            if key not in text:
                return False
        tokens = _words_of(text, memo)
        starts = []
        for part in parts:
            n = len(part)
            first = part[0]
            found = [i for i, t in enumerate(tokens) if t == first and (n == 1 or tuple(tokens[i : i + n]) == part)]
            if not found:
                return False
            starts.append(found)
        return _within(starts, [len(p) for p in parts], distance)

    return test


def _within(starts: list[list[int]], lengths: list[int], distance: int) -> bool:
    """Is there one occurrence of each part inside ``distance`` consecutive words?

    Try each occurrence as the window's first word: every other part then takes its first
    occurrence at or after it, which ends earliest since a part's length is fixed.
    """
    for anchor_list, anchor_len in zip(starts, lengths, strict=True):
        for begin in anchor_list:
            end = begin + anchor_len
            ok = True
            for found, n in zip(starts, lengths, strict=True):
                j = bisect.bisect_left(found, begin)
                if j == len(found):
                    ok = False
                    break
                end = max(end, found[j] + n)
                if end - begin > distance:
                    ok = False
                    break
            if ok:
                return True
    return False


# --- RE2 forms --------------------------------------------------------------------------------
# RE2 has no look-behind, so word edges are written as "start of text or a non-word character".
# RE2's \w and \s are ASCII-only: [\pL\pN_] is the Unicode word class of the tokenizer
# (str.isalnum() or "_"), and _SPACE the characters str.isspace() accepts.
_W = r"[\pL\pN_]"
_NW = r"[^\pL\pN_]"
_SPACE = r"[\pZ\t\n\v\f\r\x1c-\x1f\x85]"


def _re2_body(tokens: list[str]) -> str:
    parts = []
    for i, token in enumerate(tokens):
        if i:
            both_words = _is_word(tokens[i - 1]) and _is_word(token)
            parts.append(_SPACE + ("+" if both_words else "*"))
        parts.append(_re2_literal(token))
    return "".join(parts)


def re2_phrases(phrases: list[list[str]]) -> str:
    """An RE2 pattern accepting exactly the texts whose tokens contain one of ``phrases``.

    A word edge is needed before a phrase that starts with a word token and after one that ends
    with one. Phrases are grouped by those needs so that each group shares its edges: an edge
    per phrase multiplies the states of RE2's DFA (ten such phrases ran 40x slower).
    """
    groups: dict[tuple[bool, bool], list[str]] = {}
    for tokens in phrases:
        key = (_is_word(tokens[0]), _is_word(tokens[-1]))
        groups.setdefault(key, []).append(_re2_body(tokens))
    branches = []
    for (word_start, word_end), bodies in sorted(groups.items()):
        branch = "(?:" + "|".join(bodies) + ")"
        if word_start:
            branch = f"(?:^|{_NW})" + branch
        if word_end:
            branch += f"(?:{_NW}|$)"
        branches.append(branch)
    return "|".join(branches)


def _re2_literal(token: str) -> str:
    return "".join(c if c.isalnum() else "\\x{%x}" % ord(c) for c in token)


# --- wildcard -------------------------------------------------------------------------------
def _wildcard_token(token: str) -> str:
    if set(token) <= {"*"}:
        return r"(?:[\pL\pN_]+|[^\pL\pN_\s])"  # a lone * stands for any one token
    out = []
    for char in token:
        if char == "*":
            out.append(_W + "*")
        elif char == "?":
            out.append(_W)
        else:
            out.append(_re2_literal(char))
    return "".join(out)


def wildcard_item(item: str) -> tuple[str, str] | None:
    """(RE2 pattern, longest literal run) for one wildcard item, or None if it has no tokens."""
    tokens = tokenize(item, wildcard=True)
    if not tokens:
        return None
    word_like = [bool(re.match(r"[\w*?]", t)) for t in tokens]
    parts = []
    for i, token in enumerate(tokens):
        if i:
            parts.append(_SPACE + ("+" if word_like[i - 1] and word_like[i] else "*"))
        parts.append(_wildcard_token(token))
    pattern = "".join(parts)
    if word_like[0]:
        pattern = f"(?:^|{_NW})" + pattern
    if word_like[-1]:
        pattern += f"(?:{_NW}|$)"
    literals = [run for token in tokens for run in re.split(r"[*?]", token) if run]
    return pattern, max(literals, key=len) if literals else ""


def wildcard(items, *, lower: bool):
    """``*`` is any run of word characters (none included) and ``?`` exactly one, inside one
    token; items are otherwise matched like contains_any phrases. Compiled for RE2 so that a
    pattern such as ``*a*a*a*b`` cannot backtrack exponentially."""
    compiled = []
    for item in items:
        built = wildcard_item(item.lower() if lower else item)
        if built is not None:
            compiled.append(built)
    if not compiled:
        return lambda text, memo: False
    keys = [key for _, key in compiled]
    search = searcher(compile_re2("|".join(f"(?:{p})" for p, _ in compiled)))
    if all(keys):

        def test(text, memo):
            for key in keys:
                if key in text:
                    return search(text)
            return False

        return test
    return search
