"""Managed Source answers as DataSift normalised them (its recordings, 2016-2018).

DataSift answered a source's ``parameters`` and ``auth`` in its own terms rather than as sent:

- Instagram: ``likes`` came back as ``like_count``, and ``comment_count`` (as ``comments``) was
  added: ``{"comments": false, "likes": false}`` → ``{"comments": false, "like_count": false,
  "comment_count": false}``;
- every ``auth`` item's ``parameters`` carry ``refresh_token`` (``null`` when none was given);
- an ODP source (``twitter_gnip``, the ODP type the recordings show) is created without ``auth``
  and without ``parameters``; its ``parameters`` come back as ``[]`` before v1.6 and ``{}`` from
  v1.6, and each resource's ``parameters`` with the platform's additions (``unique_id_location``,
  ``interaction_type``, ``augmentations``: the values recorded for a ``gnip_1`` mapping).

``normalised(handler)`` wraps a ``source/*`` handler so that every source it answers (alone, or
in the ``sources`` of a page) is shown so; what the store keeps is what the client sent.
"""

from __future__ import annotations

import functools

#: ODP source types and what the platform added to each resource's parameters, as recorded.
ODP_TYPES = {
    "twitter_gnip": {"unique_id_location": "id", "interaction_type": "twitter_gnip",
                     "augmentations": ["gender", "languagedetection", "salience_content", "salience_title", "trends",
                                       "zenya_content", "zenya_title"]},
}


def source_view(source: dict, version: str | None = None) -> dict:
    if not isinstance(source, dict) or "source_type" not in source:
        return source
    view = dict(source)
    if view["source_type"] in ODP_TYPES:
        return _odp_view(view, version)
    parameters = view.get("parameters")
    if view["source_type"] == "instagram" and isinstance(parameters, dict):
        parameters = dict(parameters)
        if "likes" in parameters:
            parameters["like_count"] = parameters.pop("likes")
        if "comments" in parameters and "comment_count" not in parameters:
            parameters["comment_count"] = parameters["comments"]
        view["parameters"] = parameters
    auth = view.get("auth")
    if isinstance(auth, list):
        view["auth"] = [_with_refresh_token(item) for item in auth]
    return view


def _odp_view(view: dict, version: str | None) -> dict:
    from csdl.server.versions import number

    added = ODP_TYPES[view["source_type"]]
    if not view.get("parameters"):
        view["parameters"] = {} if number(version) >= (1, 6) else []
    resources = view.get("resources")
    if isinstance(resources, list):
        view["resources"] = [
            {**r, "parameters": {**added, **r["parameters"]}} if isinstance(r, dict) and isinstance(r.get("parameters"), dict)
            else r for r in resources]
    return view


def _with_refresh_token(item):
    if isinstance(item, dict) and isinstance(item.get("parameters"), dict) and "refresh_token" not in item["parameters"]:
        return {**item, "parameters": {**item["parameters"], "refresh_token": None}}
    return item


def normalised(handler):
    @functools.wraps(handler)
    def answer(call):
        if call.params.get("source_type") in ODP_TYPES and "auth" not in call.params:
            call.params["auth"] = []  # an ODP source has no credentials: created without them, as recorded
        status, body = handler(call)
        if isinstance(body, dict) and isinstance(body.get("sources"), list):
            body = {**body, "sources": [source_view(s, call.version) for s in body["sources"]]}
        else:
            body = source_view(body, call.version)
        return status, body

    return answer
