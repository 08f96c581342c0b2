"""ODP ingestion, as ``in.datasift.com`` took it: ``POST /<source_id>`` with newline-delimited JSON.

The source must be a Managed Source of the caller (``source/create``) whose type is not one of
DataSift's polled Managed Source types (``facebook_page``, ``instagram`` …): such a source is an
ODP (Open Data Processing) source that data is pushed into. Each line is one object; every object
is published into the live bus as an interaction, so the running streams' filters see it at once.
The answer is DataSift's ``{"accepted": N, "total_message_bytes": B}``.

Ours, where DataSift's ODP mapping cannot be had offline: an object is published as it was sent
(it should carry the targets the filters read, e.g. ``interaction.content``); one without an
``interaction`` object gets ``{"id", "type": <source type>}``, and one whose ``interaction`` lacks
them gets the same two fields. A line that is not a JSON object is a 400 naming the line, and
nothing of that request is published.
"""

from __future__ import annotations

import hashlib

import orjson

from csdl.server.errors import ApiError

#: Objects per request (ours: a bound on the work of one request).
MAX_OBJECTS = 10_000


def parse_lines(body: bytes) -> list[dict]:
    objects = []
    for number, line in enumerate(body.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"Line {number} is not valid JSON: {exc}") from None
        if value.__class__ is not dict:
            raise ApiError(400, f"Line {number} is not a JSON object")
        objects.append(value)
        if len(objects) > MAX_OBJECTS:
            raise ApiError(413, f"At most {MAX_OBJECTS} objects per request")
    if not objects:
        raise ApiError(400, "No data: send one JSON object per line")
    return objects


def as_interaction(item: dict, source_type: str, source_id: str, number: int) -> dict:
    interaction = item.get("interaction")
    if interaction is not None and interaction.__class__ is not dict:
        return item
    interaction = dict(interaction or {})
    if "id" not in interaction:
        seed = f"{source_id}:{item.get('id', '')}:{number}:{len(item)}".encode()
        interaction["id"] = str(item.get("id") or hashlib.md5(seed).hexdigest())
    interaction.setdefault("type", source_type)
    return {**item, "interaction": interaction}


def odp_source(store, owner: str, source_id: str) -> dict:
    from csdl.payloads.managed_sources import known_types

    source = store.get_document("sources", source_id, owner)
    if source is None:
        raise ApiError(404, f"Could not find the specified source instance \"{source_id}\"")
    if source.get("source_type") in known_types():
        raise ApiError(400, f"Source {source_id} is a {source.get('source_type')} source, not an ODP source: "
                            "data cannot be pushed into it")
    return source


def ingest(bus, store, owner: str, source_id: str, body: bytes) -> dict:
    source = odp_source(store, owner, source_id)
    objects = parse_lines(body)
    kind = str(source.get("source_type") or "odp")
    posts = [as_interaction(item, kind, source_id, n) for n, item in enumerate(objects)]
    bus.publish(posts)
    return {"accepted": len(posts), "total_message_bytes": len(body)}
