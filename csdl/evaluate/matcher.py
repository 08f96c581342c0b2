"""Compiling a parsed filter into a ``Matcher``: the syntax tree becomes nested closures once,
so matching a post is a few function calls per condition, not a walk over the tree."""

from __future__ import annotations

import os
import time

from csdl import ast
from csdl.diagnostics import WARNING, CSDLError, Diagnostic

from . import conditions
from .conditions import Memo
from .tags import TagPlan


class ConditionInfo:
    """Where a condition is, for reports: its text, line, scope and (when profiled) its cost."""

    __slots__ = ("index", "text", "line", "scope", "seconds", "calls")

    def __init__(self, index: int, text: str, line: int, scope: str):
        self.index = index
        self.text = text
        self.line = line
        self.scope = scope
        self.seconds = 0.0
        self.calls = 0

    def to_dict(self) -> dict:
        out = {"index": self.index, "condition": self.text, "line": self.line, "scope": self.scope, "calls": self.calls}
        if self.calls:
            out["mean_us"] = round(self.seconds / self.calls * 1e6, 3)
            out["total_ms"] = round(self.seconds * 1e3, 3)
        return out


class Evaluation:
    """The verdict on one post: whether the filter delivers it, and the tags it would carry."""

    __slots__ = ("matched", "tags", "tag_tree", "issues")

    def __init__(self, matched: bool, tags: list[str], tag_tree: dict, issues: list[tuple[str, str]]):
        self.matched = matched
        self.tags = tags
        self.tag_tree = tag_tree
        self.issues = issues  # (target, message) for wrong-typed values met

    def to_dict(self) -> dict:
        return {"matched": self.matched, "tags": self.tags, "tag_tree": self.tag_tree, "issues": [m for _, m in self.issues]}

    def __repr__(self) -> str:
        return f"Evaluation(matched={self.matched}, tags={self.tags!r}, tag_tree={self.tag_tree!r})"


def _never(post, memo):
    return False


def _resolver(library):
    if library is None:
        return None
    if isinstance(library, (str, os.PathLike)):
        from csdl.library import Library

        library = Library(os.fspath(library))
    if callable(library):
        return library
    for name in ("resolve", "get"):
        method = getattr(library, name, None)
        if callable(method):
            return method
    raise TypeError("library must be a callable hash -> Filter, or have a resolve(hash) method")


class _Compiler:
    def __init__(self, resolve, profile: bool):
        self.resolve = resolve
        self.profile = profile
        self.infos: list[ConditionInfo] = []
        self.streams: dict[str, object] = {}
        self.active: list[str] = []
        self.warnings: list[Diagnostic] = []

    def expression(self, node: ast.Expr, source: str, scope: str):
        """Closures for ``node``; And/Or of two operands are unrolled because most are binary."""
        if isinstance(node, ast.Condition):
            return self.condition(node, source, scope)
        if isinstance(node, ast.StreamRef):
            return self.stream(node, scope)
        if isinstance(node, ast.Not):
            inner = self.expression(node.operand, source, scope)
            return lambda post, memo: not inner(post, memo)
        if isinstance(node, (ast.And, ast.Or)):
            parts = [self.expression(op, source, scope) for op in node.operands]
            if isinstance(node, ast.And):
                if len(parts) == 2:
                    a, b = parts
                    return lambda post, memo: a(post, memo) and b(post, memo)

                def all_of(post, memo):
                    for part in parts:
                        if not part(post, memo):
                            return False
                    return True

                return all_of
            if len(parts) == 2:
                a, b = parts
                return lambda post, memo: a(post, memo) or b(post, memo)

            def any_of(post, memo):
                for part in parts:
                    if part(post, memo):
                        return True
                return False

            return any_of
        raise TypeError(f"not an expression: {node!r}")

    def condition(self, node: ast.Condition, source: str, scope: str):
        text = source[node.span.start : node.span.end] if source else f"{node.target} {node.operator}"
        text = " ".join(text.split())
        if len(text) > 80:
            text = text[:77] + "..."
        info = ConditionInfo(len(self.infos), text, node.span.line, scope)
        self.infos.append(info)
        for switch in node.switches:
            if switch.name != "case":
                self.warnings.append(
                    Diagnostic(
                        "R010",
                        f"the [{switch.name}(...)] switch is not modelled: the condition uses the default tokenizer",
                        switch.span,
                        severity=WARNING,
                        name="switch-ignored",
                    )
                )
        fn = conditions.build(node)
        if not self.profile:
            return fn
        clock = time.perf_counter

        def timed(post, memo):
            start = clock()
            result = fn(post, memo)
            info.seconds += clock() - start
            info.calls += 1
            return result

        return timed

    def lookup(self, hash_: str, span: ast.Span, keyword: str) -> ast.Filter:
        if self.resolve is None:
            raise CSDLError(
                [Diagnostic("R005", f'{keyword} "{hash_}": no stream library to resolve it (give --library DIR)', span, name="unresolved-stream")]
            )
        found = self.resolve(hash_)
        if isinstance(found, str):
            from csdl.parser import parse

            found = parse(found)
        if found is not None and not isinstance(found, ast.Filter):
            # A csdl.library.Entry: its tree, or None when the file has errors.
            tree = getattr(found, "tree", None)
            if tree is None and getattr(found, "errors", None):
                where = getattr(found, "path", "the library")
                raise CSDLError(
                    [Diagnostic("R005", f'{keyword} "{hash_}": {where} has errors and cannot run', span, name="unresolved-stream")]
                )
            found = tree
        if not isinstance(found, ast.Filter):
            raise CSDLError([Diagnostic("R005", f'{keyword} "{hash_}" is not in the stream library', span, name="unresolved-stream")])
        return found

    def stream(self, node: ast.StreamRef, scope: str):
        """A referenced stream's own return expression; its tags are ignored (spec §5.5)."""
        key = node.hash.lower()
        if key in self.active:
            chain = " -> ".join(self.active + [key])
            raise CSDLError([Diagnostic("R006", f"stream references form a loop: {chain}", node.span, name="stream-loop")])
        if key in self.streams:
            compiled = self.streams[key]
            return lambda post, memo: compiled[0](post, memo)
        referenced = self.lookup(node.hash, node.span, node.keyword)
        self.active.append(key)
        # A box filled after compiling lets a diamond (two references to one stream) share it.
        box = [_never]
        self.streams[key] = box
        if referenced.main is None:
            self.warnings.append(
                Diagnostic("R011", f'stream "{node.hash}" has no return block: it matches nothing', node.span, severity=WARNING, name="empty-stream")
            )
        else:
            box[0] = self.expression(referenced.main, referenced.source, f"stream {node.hash[:8]}")
        self.active.pop()
        fn = box[0]
        return fn

    def tag_rules(self, filter_ast: ast.Filter, scope_prefix: str = "") -> list:
        rules = []
        for statement in filter_ast.statements:
            if isinstance(statement, ast.TagsImport):
                key = statement.hash.lower()
                if key in self.active:
                    raise CSDLError([Diagnostic("R006", f'tags "{statement.hash}" imports itself', statement.span, name="stream-loop")])
                imported = self.lookup(statement.hash, statement.span, "tags")
                self.active.append(key)
                rules.extend(self.tag_rules(imported, f"tags {statement.hash[:8]}: "))
                self.active.pop()
            elif isinstance(statement, ast.TagRule):
                label = "tag" + "".join("." + n for n in statement.namespace)
                label += f' "{statement.name}"' if statement.name is not None else f" {statement.score}"
                fn = self.expression(statement.body, filter_ast.source, scope_prefix + label)
                rules.append((statement.namespace, statement.name, statement.score, fn))
        return rules


class Matcher:
    """A compiled filter. ``match`` says whether DataSift would deliver a post; ``evaluate``
    also gives the tags it would carry. Posts are JSON objects decoded to dicts."""

    def __init__(self, filter_ast: ast.Filter, main, tags: TagPlan, infos, warnings, library, profiled: bool):
        self.filter = filter_ast
        self._main = main if main is not None else _never
        self._tags = tags
        self.conditions: list[ConditionInfo] = infos
        self.warnings: list[Diagnostic] = warnings
        self.has_return = filter_ast.main is not None
        self.has_tags = bool(tags)
        self.profiled = profiled
        self._library = library

    def match(self, post: dict) -> bool:
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        return self._main(post, Memo())

    def evaluate(self, post: dict) -> Evaluation:
        """The verdict and the tags. Tags are computed whether or not the post matches, so a
        preview can show what a tag rule catches; DataSift delivered only matching posts."""
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        memo = Memo()
        matched = self._main(post, memo)
        tags, tree = self._tags.apply(post, memo) if self._tags else ([], {})
        return Evaluation(matched, tags, tree, memo.issues or [])

    # The runner's hot path: one Memo for both verdict and tags, and the issues handed back.
    def run_one(self, post: dict):
        memo = Memo()
        if not self._main(post, memo):
            return False, None, None, memo.issues
        if self._tags:
            tags, tree = self._tags.apply(post, memo)
            return True, tags, tree, memo.issues
        return True, None, None, memo.issues

    def with_profiling(self) -> "Matcher":
        """The same filter compiled with a timer around each condition (for the report's
        slowest conditions; the runner uses it on a sample of posts only)."""
        return compile_matcher(self.filter, library=self._library, _profile=True)


def compile_matcher(filter_ast: ast.Filter, *, library=None, _profile: bool = False) -> Matcher:
    """Compile a parsed filter. ``library`` resolves ``stream``/``tags`` hashes: a callable
    ``hash -> Filter | None`` or an object with ``resolve(hash)``. Raises ``CSDLError`` for
    what cannot run (an unresolved hash, a regex RE2 rejects, a malformed geo argument)."""
    if not isinstance(filter_ast, ast.Filter):
        raise TypeError("compile_matcher takes a parsed Filter (csdl.parse(text))")
    compiler = _Compiler(_resolver(library), _profile)
    tag_rules = compiler.tag_rules(filter_ast)
    main = None
    if filter_ast.main is not None:
        main = compiler.expression(filter_ast.main, filter_ast.source, "return" if filter_ast.returns is not None else "filter")
    plan = TagPlan(tag_rules)
    for path in plan.conflicts:
        compiler.warnings.append(
            Diagnostic(
                "R012",
                f"tag.{'.'.join(path)} is both a leaf and a namespace (or holds names and a score): "
                f"its names go under {path[-1]}._tags and its score under {path[-1]}._score",
                filter_ast.span,
                severity=WARNING,
                name="tag-tree-conflict",
            )
        )
    return Matcher(filter_ast, main, plan, compiler.infos, compiler.warnings, library, _profile)
