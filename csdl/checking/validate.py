"""Semantic validation: what parses but DataSift would still reject.

Targets and operators (E1xx), arguments (E2xx), limits and structure (E3xx) and the PYLON
query-filter profile (E4xx). Codes, names and documentation live in ``csdl.checking.error_codes``; the
argument checks in ``csdl.checking.arguments``. Input is a parsed ``Filter``; the result is a list of
diagnostics, never an exception.
"""

from __future__ import annotations

import re

from csdl.language import ast
from csdl.spans import Span
from csdl.diagnostics import Diagnostic
from csdl.checking.platform import MAX_CONDITIONS, PLATFORMS, PYLON, STREAM, diag
from csdl.spans import span_at

TEXT_OPERATORS = frozenset({"contains", "substr", "contains_any", "contains_all", "contains_near", "wildcard", "regex_partial", "regex_exact"})
CONTAINS_FAMILY = frozenset({"contains", "contains_any", "contains_all", "contains_near", "wildcard"})
CS_OPERATORS = frozenset({"contains", "substr", "contains_any", "contains_all", "contains_near", "wildcard", "==", "!="})
ORDER_OPERATORS = frozenset({"<", "<=", ">", ">="})
EQUALITY = frozenset({"==", "!="})
GEO_OPERATORS = frozenset({"geo_box", "geo_radius", "geo_polygon"})
PYLON_UNAVAILABLE = frozenset({"regex_partial", "regex_exact", "substr", "url_in"}) | GEO_OPERATORS

_HASH = re.compile(r"[0-9a-fA-F]{32}")
# Letters of any alphabet, digits, `_` and `-`, not starting with a digit or hyphen (see E210's docs).
_NAMESPACE_SEGMENT = re.compile(r"[^\W\d][\w-]*")
_INTEGER = re.compile(r"[+-]?\d+")
_CS = re.compile(r"cs", re.IGNORECASE)


def validate(tree: ast.Filter, platform: str = STREAM) -> list[Diagnostic]:
    """Every validation error of a parsed filter for the given platform profile."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")
    return _Validator(tree, platform).run()


class _Validator:
    def __init__(self, tree: ast.Filter, platform: str):
        self.tree = tree
        self.source = tree.source
        self.platform = platform
        self.out: list[Diagnostic] = []

    def run(self) -> list[Diagnostic]:
        from csdl.checking.arguments import check_argument

        for statement in self.tree.statements:
            if isinstance(statement, ast.TagRule):
                self.tag_rule(statement)
            elif isinstance(statement, ast.TagsImport):
                self.hash(statement.hash, statement.hash_span, "tags")
        count = 0
        for node in self.tree.conditions():
            count += 1
            if count == MAX_CONDITIONS + 1:
                total = sum(1 for _ in self.tree.conditions())
                self.out.append(diag(
                    "E301",
                    f"the filter has {total:,} conditions; DataSift allows at most {MAX_CONDITIONS:,}",
                    node.span,
                    hint="merge ORed `contains` on one target into one `contains_any`, or split the filter into streams",
                ))
            if isinstance(node, ast.StreamRef):
                self.hash(node.hash, node.hash_span, node.keyword)
                continue
            self.condition(node)
            self.out.extend(check_argument(node, self.source, self.platform))
        return self.out

    # Statements -----------------------------------------------------------------------------

    def hash(self, value: str, span: Span, keyword: str) -> None:
        if not _HASH.fullmatch(value):
            shown = value if len(value) <= 40 else value[:37] + "..."
            self.out.append(diag(
                "E209",
                f"`{keyword}` needs a stream hash of 32 hexadecimal characters, found \"{shown}\" ({len(value)} characters)",
                span,
            ))

    def tag_rule(self, rule: ast.TagRule) -> None:
        offset = rule.head_span.start + 3  # after `tag`
        for segment in rule.namespace:
            offset += 1  # the dot
            if not _NAMESPACE_SEGMENT.fullmatch(segment):
                if segment[:1].isdigit():
                    why = "it starts with a digit"
                else:
                    bad = next((c for c in segment if not (c.isalnum() or c in "_-")), segment[:1])
                    why = f"`{bad}` is not allowed (use letters, digits, `_` or `-`)"
                self.out.append(diag(
                    "E210",
                    f"invalid tag namespace `{segment}`: {why}",
                    span_at(self.source, offset, len(segment)),
                ))
            offset += len(segment)
        if rule.is_score and not rule.namespace:
            self.out.append(diag(
                "E302",
                "a scoring rule needs a namespace: `tag.<namespace> <score> { ... }`",
                rule.head_span,
                hint=f"for example `tag.score {rule.score} {{ ... }}`",
            ))

    # Conditions -----------------------------------------------------------------------------

    def condition(self, cond: ast.Condition) -> bool:
        """Target, operator, `cs` and argument-type checks; True when the target is known and fits."""
        from csdl.checking.catalogue import guess_target, lookup

        target = lookup(cond.target)
        if target is None:
            guess, clear = guess_target(cond.target)
            message = f"unknown target `{cond.target}`"
            fix = None
            if guess:
                from csdl.diagnostics import SAFE, UNSAFE, Fix

                message += f"; did you mean `{guess}`?"
                # safe when the guess is the clear choice; unsafe when another target is nearly as close
                fix = Fix(cond.target_span, guess, f"Replace with `{guess}`", SAFE if clear else UNSAFE)
            self.out.append(diag("E101", message, cond.target_span, fix=fix))
            return False
        if not self.platform_target(cond, target):
            return False
        op = cond.operator
        if not self.operator_fits(cond, target):
            return False
        if cond.case_sensitive:
            self.cs(cond, target)
        self.argument_type(cond, target)
        if self.platform == PYLON:
            self.pylon_operator(cond, target)
        return op not in GEO_OPERATORS or target.type == "geo"

    def platform_target(self, cond: ast.Condition, target) -> bool:
        use = target.pylon_use
        if self.platform == STREAM:
            if use is not None and "interaction" not in use:
                self.out.append(diag(
                    "E401",
                    f"`{cond.target}` is a PYLON analysis target; it cannot be used in an interaction filter",
                    cond.target_span,
                    hint="check PYLON query filters with the `pylon` platform (`platform=\"pylon\"`, `--platform pylon`)",
                ))
                return False
            return True
        if target.platform == STREAM:
            self.out.append(diag("E401", f"`{cond.target}` is not available in PYLON query filters (STREAM-only target)",
                                 cond.target_span))
            return False
        # nuvi marks interaction.tags analysis-only, but DataSift's PYLON examples filter on it.
        if use is not None and "query" not in use and target.name != "interaction.tags":
            self.out.append(diag("E401", f"`{cond.target}` cannot be used in a PYLON query filter", cond.target_span))
            return False
        return True

    def operator_fits(self, cond: ast.Condition, target) -> bool:
        op = cond.operator
        if target.type == "geo":
            allowed = GEO_OPERATORS | {"exists"}
        elif target.is_numeric:
            allowed = {"exists"} | EQUALITY | ORDER_OPERATORS | ({"in"} if target.type == "int" else set())
        else:
            allowed = {"exists", "in"} | EQUALITY | TEXT_OPERATORS
            if target.kind == "url":
                allowed |= {"url_in"}
            if target.kind == "id":  # numeric strings (`links.meta.twitter.image_width`)
                allowed |= ORDER_OPERATORS
        if op in allowed:
            return True
        what = {"geo": "a location", "int": "integers", "float": "decimal numbers"}.get(target.type, "text")
        if op in GEO_OPERATORS:
            message = f"`{cond.spelling}` works only on geo targets such as `interaction.geo`; `{cond.target}` holds {what}"
        elif op == "url_in":
            message = f"`url_in` works only on URL targets such as `links.url`; `{cond.target}` holds {what}"
        else:
            message = f"`{cond.spelling}` cannot be used on `{cond.target}`, which holds {what} ({target.type_label})"
        usual = ", ".join(o for o in _ORDER if o in target.operators)
        self.out.append(diag("E102", message, cond.operator_span, hint=f"operators for `{cond.target}`: {usual}"))
        return False

    def cs(self, cond: ast.Condition, target) -> None:
        span = self.cs_span(cond)
        if cond.operator not in CS_OPERATORS:
            hint = "use `(?i)` inside the pattern for case-insensitive matching" if cond.operator.startswith("regex") else None
            self.out.append(diag("E103", f"`cs` does not apply to `{cond.spelling}`", span, hint=hint))
        elif not target.is_text:
            self.out.append(diag("E103", f"`cs` does not apply to `{cond.target}`, which does not hold text", span))
        elif self.platform == PYLON:
            self.out.append(diag("E403", "`cs` is not available in PYLON query filters", span))

    def cs_span(self, cond: ast.Condition) -> Span:
        match = _CS.search(self.source, cond.target_span.end, cond.operator_span.start)
        if match is None:
            return cond.operator_span
        return span_at(self.source, match.start(), 2)

    def argument_type(self, cond: ast.Condition, target) -> None:
        arg = cond.argument
        op = cond.operator
        lenient = target.kind == "id"  # identifiers are compared both quoted and unquoted in DataSift's examples
        if not target.is_numeric and isinstance(arg, (ast.Number, ast.NumberList)) and _disputed_number(target.name):
            return  # DataSift's own sources compare it with numbers too: accepted, W208 names the disagreement
        if op in EQUALITY:
            if isinstance(arg, ast.Number) and not target.is_numeric and not lenient:
                self.out.append(diag("E104", f"`{cond.target}` holds text; compare it with a quoted string",
                                     arg.span, hint=f'write `"{arg.text}"`'))
            elif isinstance(arg, ast.Text) and target.is_numeric and not (lenient and _INTEGER.fullmatch(arg.value.strip())):
                self.out.append(diag("E104", f"`{cond.target}` holds numbers; compare it with an unquoted number",
                                     arg.span))
        elif op == "in":
            if isinstance(arg, ast.NumberList) and not target.is_numeric and not lenient:
                self.out.append(diag("E104", f"`{cond.target}` holds text; give `in` a quoted list such as `\"a, b\"`",
                                     arg.span))
            elif isinstance(arg, ast.TextList) and target.is_numeric:
                if not all(_INTEGER.fullmatch(item) for item in arg.items if item):
                    self.out.append(diag("E104", f"`{cond.target}` holds integers; give `in` a number list such as `[1, 2]`",
                                         arg.span))

    def pylon_operator(self, cond: ast.Condition, target) -> None:
        op = cond.operator
        if op in PYLON_UNAVAILABLE:
            self.out.append(diag("E402", f"`{cond.spelling}` is not available in PYLON query filters", cond.operator_span))
            return
        tokenized = target.kind == "text"
        if op in CONTAINS_FAMILY and not tokenized:
            self.out.append(diag("E406", f"in PYLON query filters `{cond.spelling}` works only on free-text targets; "
                                         f"`{cond.target}` is not tokenized", cond.operator_span,
                                 hint="use `==` or `in` on this target"))
        elif op in EQUALITY and tokenized and not _pylon_label(target.name):
            self.out.append(diag("E406", f"in PYLON query filters `{cond.spelling}` works only on non-tokenized targets; "
                                         f"`{cond.target}` is free text", cond.operator_span,
                                 hint="use `contains` or `contains_any` on this target"))


def _disputed_number(name: str) -> bool:
    from csdl.checking.catalogue import disputed_type

    found = disputed_type(name)
    return found is not None and found[0] == "number"


def _pylon_label(name: str) -> bool:
    """Topic names and hashtags hold whole labels: DataSift filtered them with `==` and `in` (E406 exempt)."""
    from csdl.checking.catalogue import pylon_label

    return pylon_label(name) is not None


# Canonical operator order for hints (the catalogue's column order).
_ORDER = ("exists", "==", "!=", "<", "<=", ">", ">=", "contains", "substr", "contains_any", "contains_all",
          "contains_near", "wildcard", "regex_partial", "regex_exact", "in", "url_in", "geo_box", "geo_radius", "geo_polygon")
