"""PYLON for LinkedIn's reference data: ``pylon/linkedin/reference[/<slug>]``.

``reference`` answers the list DataSift answered (``{"count", "page", "pages", "per_page", "data":
[{"name", "slug", "description"}]}``, 25 a page) from ``csdl/data/linkedin_reference.json``, and
``reference/<slug>`` its values (``{"count", "values": [{"title", "value"}]}``; values that were never
recorded answer an empty list, ours).
"""

from __future__ import annotations

import json
import math
import os
import re

from csdl.server import incoming
from csdl.server.errors import ApiError

_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "linkedin_reference.json")
_REFERENCE_PATH = re.compile(r"pylon/linkedin/reference(?:/(?P<slug>[a-z_]{1,64}))?")
_reference = None


def route(name: str):
    m = _REFERENCE_PATH.fullmatch(name)
    if m:
        return reference, {"slug": m.group("slug")}
    return None


def _reference_data() -> dict:
    global _reference
    if _reference is None:
        with open(_DATA, encoding="utf-8") as f:
            _reference = json.load(f)
    return _reference


def reference(call, slug: str | None):
    data = _reference_data()
    if slug is not None:
        if not any(item["slug"] == "/" + slug for item in data["items"]):
            raise ApiError(404, f"Reference data {slug} not found")
        values = data["values"].get(slug, [])
        return 200, {"count": len(values), "values": values}
    return 200, page_of(call, data["items"], "data", default=25)


def page_of(call, items: list, key: str, *, default: int) -> dict:
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=default, minimum=1, maximum=100)
    return {"count": len(items), "page": page, "pages": max(1, math.ceil(len(items) / per_page)), "per_page": per_page,
            key: items[(page - 1) * per_page: page * per_page]}


