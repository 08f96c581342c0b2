"""``csdl.costing``: the DPU model of a filter, with a breakdown by operator and target.

The rules are DataSift's published ones where DataSift published any and ours elsewhere (the user
guide docs/cost.md says which is which). ``csdl.cost`` (in ``csdl.compiler``) checks a text and prices
it with this model.
"""

from __future__ import annotations

from csdl.costing.report import CostReport, StreamCost, TagCost

__all__ = ["CostReport", "StreamCost", "TagCost"]
