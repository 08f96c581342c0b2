"""Every syntax error of a filter at once: LALR error recovery on Lark's interactive parser.

``parse`` runs the plain parser first; only a filter that fails comes here. The driver feeds the
lexer's tokens to the interactive parser itself. At an error it reports one diagnostic, then
resynchronises: it skips tokens up to the next place where a new piece of the filter can start
(`AND`, `OR`, `}`, `)`, `tag`, `return`, the first token of a later line, the end), and repairs the
parser state there by inserting the fewest placeholder tokens (a missing value, `)`, `}`, `AND`…)
that let that token be accepted. Tokens skipped while resynchronising report nothing, so one
mistake gives one error, not a cascade. The repaired parse yields a tree with placeholders; the
regions it covers are returned so that validation and lint can ignore them.
"""

from __future__ import annotations

from csdl.diagnostics import Diagnostic
from csdl.spans import LINE_BREAK

#: At most this many syntax errors are reported for one filter.
MAX_ERRORS = 50
#: Placeholder tokens the repair may insert, with their text.
_PLACEHOLDERS = {
    "STRING": '""', "NUMBER": "0", "RPAR": ")", "RBRACE": "}", "RSQB": "]", "_AND": "AND",
    "EXISTS": "exists", "LBRACE": "{",
    # a target the catalogue knows, so that validating the repaired tree does no look-up work
    "TARGET": "interaction.content",
}
_MAX_INSERT = 3
#: Tokens at which a new piece of the filter starts: resynchronisation points.
_SYNC = {"_AND", "_OR", "RBRACE", "RPAR", "TAG_HEAD", "TAGS", "RETURN", "$END"}
#: Tokens that can start a condition: an error right at one is repaired in place (a missing `AND`).
_STARTERS = {"TARGET", "NOT", "LPAR", "STREAM", "TAG_HEAD", "TAGS", "RETURN"}
_CLOSERS = {"RBRACE", "RPAR", "RSQB"}


class Recovered:
    """The outcome of a recovering parse: every diagnostic, the repaired tree (None when the
    parse could not be completed) and the spans of the filter that were repaired."""

    __slots__ = ("diagnostics", "tree", "regions")

    def __init__(self, diagnostics, tree, regions):
        self.diagnostics = diagnostics
        self.tree = tree
        self.regions = regions


def _step(parse_conf, stack: list, kind: str) -> list | None:
    """The state stack after the LALR tables accept terminal ``kind`` from ``stack`` (a new list;
    for ``$END`` the stack at acceptance), or None if they do not (states only: no callbacks run)."""
    from csdl.language.lalr import Shift

    states = parse_conf.states
    end_state = parse_conf.end_state
    stack = list(stack)
    while True:
        action = states[stack[-1]].get(kind)
        if action is None:
            return None
        what, arg = action
        if what == Shift:
            if kind == "$END":
                return stack
            stack.append(arg)
            return stack
        size = len(arg.expansion)
        if size:
            del stack[-size:]
        goto = states[stack[-1]].get(arg.origin.name)
        if goto is None:
            return None
        stack.append(goto[1])
        if kind == "$END" and stack[-1] == end_state:
            return stack


def _repair(parse_conf, stack: list, kind: str) -> tuple[str, ...] | None:
    """The shortest run of placeholder terminals after which ``kind`` is accepted, or None.

    Breadth first over the placeholders each state accepts, carrying the simulated stack along,
    so a failed search costs a few dozen table look-ups, not thousands."""
    frontier: list[tuple[tuple[str, ...], list]] = [((), stack)]
    for depth in range(_MAX_INSERT + 1):
        for seq, current in frontier:
            if _step(parse_conf, current, kind) is not None:
                return seq
        if depth == _MAX_INSERT:
            break
        following = []
        for seq, current in frontier:
            table = parse_conf.states[current[-1]]
            for placeholder in _PLACEHOLDERS:
                if placeholder in table:
                    after = _step(parse_conf, current, placeholder)
                    if after is not None:
                        following.append((seq + (placeholder,), after))
        frontier = following
        if not frontier:
            break
    return None


class _Driver:
    def __init__(self, text: str, interactive):
        self.text = text
        self.ip = interactive
        self.diagnostics: list[Diagnostic] = []
        self.regions: list[tuple[int, int]] = []
        self.skipping = False
        self.prev_line = 0
        self.error_start = 0
        self.full = False
        self.result = None

    # Reporting ----------------------------------------------------------------------------------

    def report(self, diagnostic: Diagnostic) -> None:
        if len(self.diagnostics) < MAX_ERRORS:
            self.diagnostics.append(diagnostic)
        else:
            self.full = True

    def _token_error(self, token, expected) -> None:
        from csdl.language.lalr import UnexpectedToken

        from csdl.language.syntax_errors import translate

        exc = UnexpectedToken(token, expected, state=self.ip.parser_state)
        exc.interactive_parser = self.ip
        self.report(translate(exc, self.text))

    # Feeding ------------------------------------------------------------------------------------

    def _placeholder(self, kind: str, at):
        from csdl.language.lalr import Token

        pos = len(self.text) if at.type == "$END" else at.start_pos
        line, column = (at.line, at.column) if at.type != "$END" else (at.line or 1, at.column or 1)
        return Token(kind, _PLACEHOLDERS[kind], pos, line, column, line, column, pos)

    def _try_repair(self, token) -> bool:
        state = self.ip.parser_state
        seq = _repair(state.parse_conf, state.state_stack, token.type)
        if seq is None:
            return False
        for kind in seq:
            self.ip.feed_token(self._placeholder(kind, token))
        self._feed(token)
        return True

    def _feed(self, token) -> None:
        result = self.ip.feed_token(token)
        if token.type == "$END":
            self.result = result

    def _close_region(self, end: int) -> None:
        self.regions.append((self.error_start, end))

    def token(self, token) -> None:
        from csdl.language.lalr import UnexpectedToken

        first_on_line = token.type != "$END" and token.line > self.prev_line
        if token.type != "$END":
            self.prev_line = token.end_line
        if self.skipping:
            if token.type in _SYNC or token.type in _STARTERS and first_on_line:
                start = len(self.text) if token.type == "$END" else token.start_pos
                if self._try_repair(token):
                    self._close_region(start)
                    self.skipping = False
            return
        state = self.ip.parser_state
        expected = {t for t in state.parse_conf.states[state.position] if t.isupper() or t == "$END"}
        try:
            self._feed(token)
            return
        except UnexpectedToken as exc:
            expected = exc.expected
        self._token_error(token, expected)
        self.error_start = len(self.text) if token.type == "$END" else token.start_pos
        start = self.error_start
        if token.type in _SYNC or token.type in _STARTERS:
            if self._try_repair(token):
                self._close_region(start)
                return
            if token.type in _CLOSERS:  # a stray `)` or `}`: drop it
                self._close_region(token.end_pos)
                return
        self.skipping = True

    def characters(self, exc) -> bool:
        """A lexical error at ``exc.pos_in_stream``: report it and step over it. False when the
        rest of the text cannot be lexed (an unclosed comment)."""
        from csdl.language.syntax_errors import translate

        pos = exc.pos_in_stream
        line_ctr = self.ip.lexer_thread.state.line_ctr
        if not self.skipping:
            self.report(translate(exc, self.text))
        if self.text.startswith("/*", pos):
            return False
        if self.text.startswith('"', pos):
            line_break = LINE_BREAK.search(self.text, pos)  # an unclosed string ends with its line
            end = line_break.start() if line_break else len(self.text)
            if not self.skipping:
                self.error_start = pos
                self.skipping = True
        else:
            end = pos + 1
        line_ctr.feed(self.text[pos:end])
        return True

    def run(self):
        from csdl.language.lalr import Token
        from csdl.language.lalr import UnexpectedCharacters, UnexpectedToken

        lexer = self.ip.lexer_thread
        while not self.full:
            try:
                for token in lexer.lex(self.ip.parser_state):
                    self.token(token)
                    if self.full:
                        break
                break
            except UnexpectedToken as exc:  # the contextual lexer's fallback: a token out of place
                self.token(exc.token)
            except UnexpectedCharacters as exc:
                if not self.characters(exc):
                    break
        if self.full:
            return None
        line_ctr = lexer.state.line_ctr
        end = Token("$END", "", len(self.text), line_ctr.line, line_ctr.column, line_ctr.line, line_ctr.column,
                    len(self.text))
        self.token(end)
        return self.result


def recover(text: str, interactive) -> Recovered:
    """Parse ``text`` with ``interactive`` (a fresh Lark interactive parser for it), reporting every
    independent syntax error."""
    driver = _Driver(text, interactive)
    tree = driver.run()
    return Recovered(driver.diagnostics, tree, driver.regions)
