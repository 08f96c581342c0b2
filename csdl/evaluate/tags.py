"""Building ``interaction.tags`` and ``interaction.tag_tree`` from the tag rules that hold.

Plain ``tag "name"`` rules fill ``interaction.tags``; namespaced rules ``tag.a.b "name"`` add
the name to the array at ``tag_tree.a.b``; scoring rules ``tag.a.b +20`` add their number to
``tag_tree.a.b``, summed over every rule that holds. Names appear once, in rule order.
"""

from __future__ import annotations

from decimal import Decimal

# Where a path is both a leaf (names or a score) and a namespace of other rules, DataSift's
# output is unknown; we keep everything by nesting the leaf under these keys (docs/run.md).
NAMES_KEY = "_tags"
SCORE_KEY = "_score"


class TagPlan:
    """The tag rules of a filter, compiled, with each leaf's place in the tree decided once."""

    def __init__(self, rules):
        # rules: (namespace tuple, name or None, score text or None, closure)
        self.rules = []
        namespaces, leaves = set(), set()
        for namespace, *_ in rules:
            for i in range(1, len(namespace)):
                namespaces.add(namespace[:i])
            if namespace:
                leaves.add(namespace)
        self.conflicts = sorted(leaves & namespaces)
        kinds: dict[tuple, set] = {}
        for namespace, _name, score, _fn in rules:
            if namespace:
                kinds.setdefault(namespace, set()).add("score" if score is not None else "name")
        self.conflicts += sorted(ns for ns, k in kinds.items() if len(k) > 1 and ns not in namespaces)
        conflicted = set(self.conflicts)
        for namespace, name, score, fn in rules:
            path = namespace
            if namespace in conflicted:
                path = namespace + ((SCORE_KEY if score is not None else NAMES_KEY),)
            value = Decimal(score) if score is not None else name
            self.rules.append((path, score is not None, value, fn))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def apply(self, post, memo) -> tuple[list[str], dict]:
        tags: list[str] = []
        tree: dict = {}
        scores = None
        for path, is_score, value, fn in self.rules:
            if not fn(post, memo):
                continue
            if not path:
                if value not in tags:
                    tags.append(value)
                continue
            node = tree
            for segment in path[:-1]:
                node = node.setdefault(segment, {})
            leaf = path[-1]
            if is_score:
                if scores is None:
                    scores = []
                node[leaf] = node.get(leaf, Decimal(0)) + value
                scores.append((node, leaf))
            else:
                names = node.setdefault(leaf, [])
                if value not in names:
                    names.append(value)
        if scores:
            for node, leaf in scores:
                total = node[leaf]
                if isinstance(total, Decimal):
                    node[leaf] = int(total) if total == total.to_integral_value() else float(total)
        return tags, tree
