"""Running a compiled CSDL filter over interactions: ``compile_matcher(filter_ast)`` gives a
``Matcher`` with ``match(post)`` and ``evaluate(post)``; ``runner`` runs one over JSON Lines."""

from __future__ import annotations

from csdl.evaluate.matcher import ConditionInfo, Evaluation, Matcher, compile_matcher

__all__ = ["ConditionInfo", "Evaluation", "Matcher", "compile_matcher"]
