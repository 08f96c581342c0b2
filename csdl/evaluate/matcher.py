"""Compiling a parsed filter into a ``Matcher``: the syntax tree becomes nested closures once,
so matching a post is a few function calls per condition, not a walk over the tree."""

from __future__ import annotations

import time

from csdl.codes import diagnostic
from csdl.language import ast
from csdl.diagnostics import Diagnostic

from csdl.evaluate import conditions
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


#: The longest time one timed call of an AND/OR operand counts for (seconds): far more than a
#: condition's work on a post, far less than a time slice given to another process.
MAX_SAMPLE = 200e-6


def _never(post, memo):
    return False


class Junction:
    """An AND or OR whose operands can be put in a better order while running.

    AND and OR have no side effects in CSDL, so any order gives the same answer; the cheapest
    order runs first the operands most likely to decide the result at the lowest cost. The
    timed twin of a matcher measures each operand (calls, time, how often true) and
    ``reorder`` applies what it learnt to the fast matcher's junction of the same place.
    """

    __slots__ = ("is_and", "original", "parts", "order", "calls", "seconds", "trues", "inner")

    def __init__(self, is_and: bool, parts: list, timed: bool, ticks: list | None = None):
        self.is_and = is_and
        self.order = list(range(len(parts)))
        self.calls = [0] * len(parts)
        self.seconds = [0.0] * len(parts)
        self.trues = [0] * len(parts)
        self.inner = [0] * len(parts)  # timers run inside each operand's timed calls
        if timed:
            ticks = ticks if ticks is not None else [0]
            parts = [self._timed(i, part, ticks) for i, part in enumerate(parts)]
        self.original = tuple(parts)
        self.parts = list(parts)  # the closure iterates this very list: reordering is in place

    def _timed(self, index: int, part, ticks: list):
        calls, seconds, trues, inner, clock = self.calls, self.seconds, self.trues, self.inner, time.perf_counter

        def timed(post, memo):
            before = ticks[0]
            start = clock()
            result = part(post, memo)
            elapsed = clock() - start
            # A call the scheduler interrupted would count milliseconds for microseconds of
            # work, for good: an operand's ranking takes no sample above this.
            seconds[index] += elapsed if elapsed < MAX_SAMPLE else MAX_SAMPLE
            inner[index] += ticks[0] - before
            ticks[0] += 1
            calls[index] += 1
            if result:
                trues[index] += 1
            return result

        return timed

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

    def best_order(self, min_calls: int = 20, costs: tuple[float, float] = (0.0, 0.0)) -> list[int] | None:
        """Operands by expected cost per decision: mean time / P(it decides). Operands not yet
        measured enough keep their place after the measured ones. None: nothing learnt.
        ``costs``: what a timed call adds to its own interval, and what each timer run inside
        it adds (``timer_costs()``), taken off the measured times: a cheap condition costs
        less than its timers, and uncorrected it would look as dear as one that does real work
        (and run after it)."""
        measured = [i for i in self.order if self.calls[i] >= min_calls]
        if len(measured) < 2:
            return None
        own, per_inner = costs

        def rank(i):
            mean = max(self.seconds[i] - self.calls[i] * own - self.inner[i] * per_inner, 0.0) / self.calls[i]
            p_true = self.trues[i] / self.calls[i]
            decides = (1.0 - p_true) if self.is_and else p_true
            return mean / max(decides, 1e-3)

        ordered = sorted(measured, key=rank)
        rest = [i for i in self.order if i not in set(measured)]
        return ordered + rest

    def apply(self, order: list[int]) -> None:
        self.order = list(order)
        self.parts[:] = [self.original[i] for i in order]


def timed_condition(fn, info: ConditionInfo, ticks: list):
    """``fn`` with its time and calls added to ``info`` (and counted in ``ticks``, for the
    operand timers around it: see ``timer_costs``)."""
    clock = time.perf_counter

    def timed(post, memo):
        start = clock()
        result = fn(post, memo)
        info.seconds += clock() - start
        info.calls += 1
        ticks[0] += 1
        return result

    return timed


_timer_costs: tuple[float, float] | None = None


def timer_costs(calls: int = 400, rounds: int = 5) -> tuple[float, float]:
    """(seconds an operand's timer adds to its own measurement, seconds each timer run inside
    it adds), measured once per process with the timers themselves around a function that does
    nothing; the least of a few rounds, as load on the machine only adds time."""
    global _timer_costs
    if _timer_costs is None:
        ticks: list = [0]
        info = ConditionInfo(0, "", 0, "")
        bare = Junction(True, [_never], True, ticks)
        wrapped = Junction(True, [timed_condition(_never, info, ticks)], True, ticks)
        least = {id(bare): float("inf"), id(wrapped): float("inf")}
        post: dict = {}
        for _ in range(rounds):
            for junction in (bare, wrapped):
                junction.seconds[0] = 0.0
                part = junction.parts[0]
                for _ in range(calls):
                    part(post, post)
                least[id(junction)] = min(least[id(junction)], junction.seconds[0] / calls)
        own = least[id(bare)]
        _timer_costs = (own, max(least[id(wrapped)] - own, 0.0))
    return _timer_costs


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
        self.ticks = [0]  # timers run so far (profiled): operand timers take off what the inner ones cost

    def count_text_uses(self, filter_ast: ast.Filter) -> None:
        """How many text conditions read each (target, case mode): a text read by one only is
        not worth caching per post."""
        for node in filter_ast.conditions():
            if isinstance(node, ast.Condition) and node.operator in conditions.TEXT_OPERATORS:
                key = (node.target, conditions.case_sensitive(node))
                self.text_uses[key] = self.text_uses.get(key, 0) + 1

    def expression(self, node: ast.Expr, source: str, scope: str):
        """Closures for ``node``."""
        if isinstance(node, ast.Condition):
            return self.condition(node, source, scope)
        if isinstance(node, ast.StreamRef):
            return self.stream(node, scope)
        if isinstance(node, ast.Not):
            inner = self.expression(node.operand, source, scope)
            return lambda post, memo: not inner(post, memo)
        if isinstance(node, (ast.And, ast.Or)):
            junction = Junction(isinstance(node, ast.And), [self.expression(op, source, scope) for op in node.operands],
                                self.profile, self.ticks)
            self.junctions.append(junction)
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
        return timed_condition(fn, info, self.ticks)

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
        self.main = main if main is not None else _never
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

    def adapt(self, timed: "Matcher") -> bool:
        """Reorder this matcher's AND/OR operands (and the timed twin's, to keep measuring the
        same thing) by what ``timed`` measured. Answers never change; only the work done."""
        changed = False
        costs = timer_costs()
        for mine, theirs in zip(self.junctions, timed.junctions, strict=True):
            order = theirs.best_order(costs=costs)
            if order is not None and order != mine.order:
                mine.apply(order)
                theirs.apply(order)
                changed = True
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
    return matcher
