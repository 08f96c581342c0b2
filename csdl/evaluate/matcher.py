"""Compiling a parsed filter into a ``Matcher``: the syntax tree becomes nested closures once,
so matching a post is a few function calls per condition, not a walk over the tree."""

from __future__ import annotations

import time

from csdl.codes import diagnostic
from csdl.language import ast
from csdl.diagnostics import Diagnostic

from csdl.evaluate import conditions, fused
from csdl.evaluate.conditions import ISSUES
from csdl.evaluate.tags import TagPlan


# Warnings of a compiled filter (csdl/data/run_cost_codes.toml gives each its name and severity).
SWITCH_NOT_MODELLED, EMPTY_STREAM, TAG_TREE_CONFLICT = "R010", "R011", "R012"


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


class Junction:
    """An AND or OR whose operands can be put in a better order while running.

    AND and OR have no side effects in CSDL, so any order gives the same answer; the cheapest
    order runs first the operands most likely to decide the result at the lowest cost.
    ``learn`` times each operand, the very closure the matcher calls, over a sample of posts
    (one clock reading per operand and sample, not per call: a timer around each call costs more
    than a cheap condition does, and made cheap conditions look as dear as costly ones), and
    ``best_order`` ranks them by what it measured.
    """

    __slots__ = ("is_and", "original", "parts", "order", "calls", "seconds", "trues")

    def __init__(self, is_and: bool, parts: list):
        self.is_and = is_and
        self.order = list(range(len(parts)))
        self.calls = [0] * len(parts)  # posts each operand was timed on
        self.seconds = [0.0] * len(parts)
        self.trues = [0] * len(parts)
        self.original = tuple(parts)
        self.parts = list(parts)  # the closure iterates this very list: reordering is in place

    def closure(self):
        parts = self.parts
        if self.is_and:

            def all_of(post, memo):
                for part in parts:
                    if not part(post, memo):
                        return False
                return True

            return all_of

        def any_of(post, memo):
            for part in parts:
                if part(post, memo):
                    return True
            return False

        return any_of

    def learn(self, posts: list) -> None:
        """Time every operand on ``posts`` and count how often it holds. Each call gets a memo
        of its own: what an operand reports about a post here is not kept."""
        clock = time.perf_counter
        for index, part in enumerate(self.original):
            trues = 0
            start = clock()
            for post in posts:
                if part(post, {}):
                    trues += 1
            self.seconds[index] += clock() - start
            self.calls[index] += len(posts)
            self.trues[index] += trues

    def best_order(self, min_calls: int = 20) -> list[int] | None:
        """Operands by expected cost per decision: mean time / P(it decides). Operands not yet
        measured enough keep their place after the measured ones. None: nothing learnt."""
        measured = [i for i in self.order if self.calls[i] >= min_calls]
        if len(measured) < 2:
            return None

        def rank(i):
            mean = self.seconds[i] / self.calls[i]
            p_true = self.trues[i] / self.calls[i]
            decides = (1.0 - p_true) if self.is_and else p_true
            return mean / max(decides, 1e-3)

        ordered = sorted(measured, key=rank)
        rest = [i for i in self.order if i not in set(measured)]
        return ordered + rest

    def apply(self, order: list[int]) -> None:
        self.order = list(order)
        self.parts[:] = [self.original[i] for i in order]


def timed_condition(fn, info: ConditionInfo):
    """``fn`` with its time and calls added to ``info`` (the report's slowest conditions)."""
    clock = time.perf_counter

    def timed(post, memo):
        start = clock()
        result = fn(post, memo)
        info.seconds += clock() - start
        info.calls += 1
        return result

    return timed


class _Compiler:
    def __init__(self, resolved, profile: bool):
        self.resolved = resolved  # csdl.library.ResolvedFilter: every hash resolved, no loop
        self.profile = profile
        self.infos: list[ConditionInfo] = []
        self.streams: dict[str, object] = {}
        self.warnings: list[Diagnostic] = []
        self.text_uses: dict[tuple[str, bool], int] = {}
        self.junctions: list[Junction] = []
        self.targets: set[str] = set()  # every target a condition reads (for decoding only those)
        # Condition closures by syntax node: the timed twin wraps the fast matcher's own
        # closures instead of building (say) a 100,000-keyword index a second time.
        self.built: dict[int, object] = {}
        self.reuse: dict[int, object] = {}
        # Every expression's closure and every AND/OR's Junction by node id: what
        # csdl.evaluate.fused writes one function from.
        self.closure_of: dict[int, object] = {}
        self.junction_of: dict[int, Junction] = {}

    def count_text_uses(self, filter_ast: ast.Filter) -> None:
        """How many text conditions read each (target, case mode): a text read by one only is
        not worth caching per post."""
        for node in filter_ast.conditions():
            if isinstance(node, ast.Condition) and node.operator in conditions.TEXT_OPERATORS:
                key = (node.target, conditions.case_sensitive(node))
                self.text_uses[key] = self.text_uses.get(key, 0) + 1

    def expression(self, node: ast.Expr, source: str, scope: str):
        """Closures for ``node``."""
        fn = self._expression(node, source, scope)
        self.closure_of[id(node)] = fn
        return fn

    def _expression(self, node: ast.Expr, source: str, scope: str):
        if isinstance(node, ast.Condition):
            return self.condition(node, source, scope)
        if isinstance(node, ast.StreamRef):
            return self.stream(node, scope)
        if isinstance(node, ast.Not):
            inner = self.expression(node.operand, source, scope)
            return lambda post, memo: not inner(post, memo)
        if isinstance(node, (ast.And, ast.Or)):
            junction = Junction(isinstance(node, ast.And), [self.expression(op, source, scope) for op in node.operands])
            self.junctions.append(junction)
            self.junction_of[id(node)] = junction
            return junction.closure()
        raise TypeError(f"not an expression: {node!r}")

    def condition(self, node: ast.Condition, source: str, scope: str):
        text = source[node.span.start : node.span.end] if source else f"{node.target} {node.operator}"
        text = " ".join(text.split())
        if len(text) > 80:
            text = text[:77] + "..."
        info = ConditionInfo(len(self.infos), text, node.span.line, scope)
        self.infos.append(info)
        self.targets.add(node.target)
        for switch in node.switches:
            if switch.name != "case":
                self.warnings.append(diagnostic(
                    SWITCH_NOT_MODELLED,
                    f"the [{switch.name}(...)] switch is not modelled: the condition uses the default tokenizer",
                    switch.span,
                ))
        # The node is kept beside its closure so that its id cannot be reused by another node.
        kept = self.reuse.get(id(node))
        if kept is not None and kept[0] is node:
            fn = kept[1]
        else:
            shared = self.text_uses.get((node.target, conditions.case_sensitive(node)), 0) != 1
            fn = conditions.build(node, shared)
        self.built[id(node)] = (node, fn)
        if not self.profile:
            return fn
        return timed_condition(fn, info)

    def stream(self, node: ast.StreamRef, scope: str):
        """A referenced stream's own return expression; its tags are ignored (spec §5.5)."""
        key = node.hash.lower()
        if key in self.streams:
            compiled = self.streams[key]
            return lambda post, memo: compiled[0](post, memo)
        referenced = self.resolved.filter(node.hash)
        # A box filled after compiling lets a diamond (two references to one stream) share it.
        box = [_never]
        self.streams[key] = box
        if referenced.main is None:
            self.warnings.append(diagnostic(EMPTY_STREAM, f'stream "{node.hash}" has no return block: it matches nothing', node.span))
        else:
            box[0] = self.expression(referenced.main, referenced.source, f"stream {node.hash[:8]}")
        return box[0]

    def tag_rules(self, filter_ast: ast.Filter, scope_prefix: str = "") -> list:
        rules = []
        for statement in filter_ast.statements:
            if isinstance(statement, ast.TagsImport):
                imported = self.resolved.filter(statement.hash)
                rules.extend(self.tag_rules(imported, f"tags {statement.hash[:8]}: "))
            elif isinstance(statement, ast.TagRule):
                fn = self.expression(statement.body, filter_ast.source, scope_prefix + statement.label)
                rules.append((statement.namespace, statement.name, statement.score, fn))
        return rules


class Matcher:
    """A compiled filter. ``match`` says whether DataSift would deliver a post; ``evaluate``
    also gives the tags it would carry. Posts are JSON objects decoded to dicts."""

    def __init__(self, filter_ast: ast.Filter, main, tags: TagPlan, infos, warnings, library, profiled: bool):
        self.filter = filter_ast
        #: The filter as nested closures, one per condition and per AND/OR.
        self.closures_main = main if main is not None else _never
        #: What ``match`` runs: the closures, or the filter fused into one function (csdl.evaluate.fused).
        self.main = self.closures_main
        self.fusing = None  # (expression, closures by node id, junctions by node id) when fused
        self.tag_plan = tags
        self.conditions: list[ConditionInfo] = infos
        self.warnings: list[Diagnostic] = warnings
        self.has_return = filter_ast.main is not None
        self.has_tags = bool(tags)
        self.profiled = profiled
        self.resolved = library  # the csdl.library.ResolvedFilter it was compiled with
        self.junctions: list[Junction] = []
        #: Condition closures by syntax node (id -> (node, closure)): the timed twin reuses them.
        self.built: dict[int, object] = {}
        #: Every target path a condition of the filter (or of a stream or tags file it uses) reads.
        self.targets: frozenset[str] = frozenset()

    def match(self, post: dict) -> bool:
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        return self.main(post, {})

    def evaluate(self, post: dict) -> Evaluation:
        """The verdict and the tags. Tags are computed whether or not the post matches, so a
        preview can show what a tag rule catches; DataSift delivered only matching posts."""
        if post.__class__ is not dict:
            raise TypeError(f"a post is a JSON object (dict), not {type(post).__name__}")
        memo: dict = {}
        matched = self.main(post, memo)
        tags, tree = self.tag_plan.apply(post, memo) if self.tag_plan else ([], {})
        return Evaluation(matched, tags, tree, memo.get(ISSUES) or [])

    def deliver(self, post: dict) -> Evaluation:
        """The verdict as ``csdl run`` gives it: tags only for a matching post (DataSift delivers
        only those), and the wrong-typed values the conditions met on the way (R201)."""
        memo: dict = {}
        matched = self.main(post, memo)
        tags, tree = self.tag_plan.apply(post, memo) if matched and self.tag_plan else ([], {})
        return Evaluation(bool(matched), tags, tree, memo.get(ISSUES) or [])

    def with_profiling(self) -> "Matcher":
        """The same filter compiled with a timer around each condition (for the report's
        slowest conditions; the runner uses it on a sample of posts only)."""
        return compile_matcher(self.filter, library=self.resolved, _profile=True, _reuse=self.built)

    def fuse(self, node, closure_of: dict, junction_of: dict) -> None:
        """Run ``node`` (the filter's expression) as one function, written again whenever
        ``adapt`` changes the order; it stays closures if ``fused.build`` declines."""
        main = fused.build(node, closure_of, junction_of)
        if main is not None:
            self.main = main
            self.fusing = (node, closure_of, junction_of)

    def adapt(self, posts: list, twin: "Matcher | None" = None) -> bool:
        """Reorder this matcher's AND/OR operands (and ``twin``'s, its timed twin, to keep
        measuring the same thing) by their costs and outcomes on ``posts`` (a sample of decoded
        posts), added to what earlier samples showed. Answers never change; only the work done."""
        changed = False
        twins = twin.junctions if twin is not None else [None] * len(self.junctions)
        for mine, theirs in zip(self.junctions, twins, strict=True):  # inner junctions first
            mine.learn(posts)
            order = mine.best_order()
            if order is not None and order != mine.order:
                mine.apply(order)
                if theirs is not None:
                    theirs.apply(order)
                changed = True
        if changed and self.fusing is not None:
            self.fuse(*self.fusing)
        return changed


def compile_matcher(filter_ast: ast.Filter, *, library=None, _profile: bool = False, _reuse=None) -> Matcher:
    """Compile a parsed filter. ``library`` resolves ``stream``/``tags`` hashes: a
    ``csdl.library.ResolvedFilter`` of this filter, or anything ``csdl.library.resolve`` takes (a
    directory, a ``Library``, a callable ``hash -> Filter | None``). Raises ``CSDLError`` for what
    cannot run (an unresolved hash or a loop: C100-C104, a regex RE2 rejects, a malformed geo argument)."""
    if not isinstance(filter_ast, ast.Filter):
        raise TypeError("compile_matcher takes a parsed Filter (csdl.parse(text))")
    from csdl.library import resolve

    resolved = resolve(filter_ast, library).require()
    compiler = _Compiler(resolved, _profile)
    compiler.reuse = _reuse or {}
    compiler.count_text_uses(filter_ast)
    tag_rules = compiler.tag_rules(filter_ast)
    main = None
    if filter_ast.main is not None:
        main = compiler.expression(filter_ast.main, filter_ast.source, "return" if filter_ast.returns is not None else "filter")
    plan = TagPlan(tag_rules)
    for path in plan.conflicts:
        compiler.warnings.append(diagnostic(
            TAG_TREE_CONFLICT,
            f"tag.{'.'.join(path)} is both a leaf and a namespace (or holds names and a score): "
            f"its names go under {path[-1]}._tags and its score under {path[-1]}._score",
            filter_ast.span,
        ))
    matcher = Matcher(filter_ast, main, plan, compiler.infos, compiler.warnings, resolved, _profile)
    matcher.junctions = compiler.junctions
    matcher.targets = frozenset(compiler.targets)
    matcher.built = compiler.built
    if main is not None and not _profile:
        matcher.fuse(filter_ast.main, compiler.closure_of, compiler.junction_of)
    return matcher
