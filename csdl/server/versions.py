"""Answers that differ by API version, as DataSift's recorded answers differ (2015-2018).

A call without a version prefix is answered as the newest (``DEFAULT_API_VERSION``, 1.6); ``/v1/``
is 1.0. Where recordings of one version conflict, the newest recording is followed.

- ``historics/prepare``: up to 1.3, ``{"id", "dpus": <number>, "availability": {"start": "<unix
  seconds as text>", "end": …, "sources": {source: {"augmentations": [], "versions": ["3"],
  "status": 100}}}}``; in 1.4 and 1.5 ``"dpus": null`` and ``"availability": {"start": <number>,
  "end": <number>, "sources": []}``; from 1.6 ``{"id", "dpus": null}`` alone.
- ``dpu?historics_id=``: the query's DPU up to 1.3, ``null`` from 1.4 on.
- ``balance``: ``[]`` in v1 (2015), ``{}`` from 1.1 on (an account without a prepaid balance).
- The PYLON calls of 2015 (``/v1/pylon/…`` and ``/v1/analysis/…``): ``created_at`` as unix seconds
  in a string (``"1425571627"``); from 1.1 on as the other calls give it (``"2018-01-16 21:44:54"``).
"""

from __future__ import annotations

from csdl.server.settings import DEFAULT_API_VERSION


def number(version: str | None) -> tuple[int, int]:
    text = version or DEFAULT_API_VERSION
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def dpus_known(version: str | None) -> bool:
    """Whether this version answered the Historics DPU (before 1.4) rather than ``null``."""
    return number(version) < (1, 4)


def prepared(version: str | None, record: dict) -> dict:
    """``historics/prepare``'s answer for ``record`` in ``version``'s shape."""
    v = number(version)
    if v < (1, 4):
        sources = {s: {"augmentations": [], "versions": ["3"], "status": 100} for s in record["sources"]}
        return {"id": record["id"], "dpus": record["dpus"],
                "availability": {"start": str(record["start"]), "end": str(record["end"]), "sources": sources}}
    if v < (1, 6):
        return {"id": record["id"], "dpus": None,
                "availability": {"start": record["start"], "end": record["end"], "sources": []}}
    return {"id": record["id"], "dpus": None}


def historics_dpus(version: str | None, dpus):
    return dpus if dpus_known(version) else None


def pylon_created_at(version: str | None, seconds: int, formatted: str) -> str:
    """``created_at`` of a PYLON validate/compile: unix seconds in a string in 2015's v1."""
    return str(int(seconds)) if number(version) < (1, 1) else formatted


def balance(call):
    from csdl.server import account

    status, body = account.balance(call)
    return status, ([] if number(call.version) < (1, 1) and body == {} else body)
