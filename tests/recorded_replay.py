"""Replaying DataSift's recorded interactions (tests/data/recorded/) against a running server and
comparing each answer with the recorded one: status, keys, JSON types and values, with the
recorded ids, times and account state masked (see tests/data/recorded/README.md).

``replay(url)`` runs every version's interactions in recorded order, one user per version, and
returns a ``Result`` per interaction: ``problems`` (empty when it matched in full) or ``skipped``
(why it could not be sent: its request body was not recorded, or it names what such a request
created). Recorded ids are mapped to ours as the answers come back, so that a later
``historics/start`` sends the id our ``historics/prepare`` answered.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from server_fixtures import ROOT, Client

DATA = os.path.join(ROOT, "tests", "data", "recorded")
PARSE_PREFIX = "We are unable to parse this stream."
_POSITION = re.compile(r"We are unable to parse this stream\. At line \d+ position \d+")


def load(name: str = "ruby_cassettes.json") -> dict:
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)["versions"]


@dataclass
class Result:
    version: str
    index: int
    step: dict
    status: int | None = None
    problems: list = field(default_factory=list)
    skipped: str | None = None

    @property
    def key(self) -> str:
        return f"{self.version}#{self.index:03d}"

    @property
    def matched(self) -> bool:
        return self.skipped is None and not self.problems


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


class Replay:
    def __init__(self, url: str):
        self.url = url
        self.ids: dict[str, str] = {}  # recorded id -> ours
        self.unsent: set[str] = set()  # ids only requests we could not send would have created

    def run(self, versions: dict) -> list[Result]:
        results = []
        for version, steps in versions.items():
            client = Client(self.url, user=f"ruby-{version}", key="0123456789abcdef")
            try:
                for index, step in enumerate(steps):
                    results.append(self.one(client, version, index, step))
            finally:
                client.close()
        return results

    def one(self, client, version, index, step) -> Result:
        result = Result(version, index, step)
        if step["endpoint"].startswith(("ingest/", "/")):
            result.skipped = "ingestion host (in.datasift.com)"
            return result
        if step.get("params_unknown"):
            result.skipped = "request body not recorded"
            self.unsent |= set(recorded_ids(step.get("answer")))
            return result
        text = json.dumps(step.get("params")) + step["path"]
        if any(i in text for i in self.unsent):
            result.skipped = "names what an unrecorded request created"
            self.unsent |= set(recorded_ids(step.get("answer")))
            return result
        reply = self.send(client, step)
        result.status = reply.status
        cost = reply.headers.get("x-ratelimit-cost")
        if "cost" in step and reply.status < 400 and cost != str(step["cost"]):
            result.problems.append(f"X-RateLimit-Cost {cost}, recorded {step['cost']}")
        if reply.status != step["status"]:
            result.problems.append(f"status {reply.status}, recorded {step['status']}: {reply.body[:200]!r}")
        try:
            body = json.loads(reply.body) if reply.body else None
        except ValueError:
            result.problems.append(f"not JSON: {reply.body[:100]!r}")
            return result
        compare(step.get("answer"), body, "$", result.problems, self.ids)
        return result

    def send(self, client, step):
        path = self.substitute(step["path"])
        params = self.substitute(step.get("params"))
        if step.get("encoding") == "form" and params is not None:
            return client.request(step["method"], path, form=params)
        if params is not None and step["method"] in ("GET", "DELETE") and not params:
            params = None
        return client.request(step["method"], path, json_body=params)

    def substitute(self, value):
        if isinstance(value, str):
            for recorded, ours in self.ids.items():
                if recorded in value:
                    value = value.replace(recorded, ours)
            return value
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        return value


def recorded_ids(answer):
    if isinstance(answer, dict):
        if set(answer) == {"$id"}:
            yield answer["$id"]
            return
        for value in answer.values():
            yield from recorded_ids(value)
    elif isinstance(answer, list):
        for value in answer:
            yield from recorded_ids(value)


def compare(recorded, answered, where: str, problems: list, ids: dict) -> None:
    """Record in ``problems`` every way ``answered`` differs from the masked ``recorded`` answer."""
    if isinstance(recorded, dict) and len(recorded) == 1 and next(iter(recorded)) in MARKERS:
        (marker, value), = recorded.items()
        MARKERS[marker](value, answered, where, problems, ids)
        return
    if json_type(recorded) != json_type(answered):
        problems.append(f"{where}: {json_type(answered)} {str(answered)[:80]!r} where DataSift answered "
                        f"{json_type(recorded)} {str(recorded)[:80]!r}")
    elif isinstance(recorded, dict):
        _compare_objects(recorded, answered, where, problems, ids)
    elif isinstance(recorded, list):
        if len(recorded) != len(answered):
            problems.append(f"{where}: {len(answered)} items where DataSift answered {len(recorded)}")
        for n, (a, b) in enumerate(zip(recorded, answered, strict=False)):
            compare(a, b, f"{where}[{n}]", problems, ids)
    else:
        if isinstance(recorded, str):
            for theirs, ours in ids.items():  # a recorded id inside a text (an error naming the query)
                recorded = recorded.replace(theirs, ours)
        if recorded != answered:
            problems.append(f"{where}: {answered!r} where DataSift answered {recorded!r}")


def _compare_objects(recorded: dict, answered: dict, where: str, problems: list, ids: dict) -> None:
    for key in recorded.keys() - answered.keys():
        problems.append(f"{where}.{key}: missing")
    for key in answered.keys() - recorded.keys():
        problems.append(f"{where}.{key}: a key DataSift did not answer")
    for key in recorded.keys() & answered.keys():
        if key == "error" and isinstance(recorded[key], str) and recorded[key].startswith(PARSE_PREFIX):
            _compare_parse_error(recorded[key], answered[key], f"{where}.error", problems)
        else:
            compare(recorded[key], answered[key], f"{where}.{key}", problems, ids)


def _an_id(recorded_id, answered, where, problems, ids) -> None:
    if not isinstance(answered, str):
        problems.append(f"{where}: {json_type(answered)} where DataSift answered an id")
    elif recorded_id not in ids and answered != recorded_id:
        ids[recorded_id] = answered


def _a_type(recorded_type, answered, where, problems, ids) -> None:
    if json_type(answered) not in recorded_type.split("|"):  # "null|number": items of a list differed
        problems.append(f"{where}: {json_type(answered)} where DataSift answered {recorded_type}")


def _each(shape, answered, where, problems, ids) -> None:
    if not isinstance(answered, list):
        problems.append(f"{where}: {json_type(answered)} where DataSift answered an array")
        return
    for n, item in enumerate(answered):
        compare(shape, item, f"{where}[{n}]", problems, ids)


MARKERS = {"$id": _an_id, "$time": _a_type, "$state": _a_type, "$each": _each}


def _compare_parse_error(recorded: str, answered, where: str, problems: list) -> None:
    """DataSift's parse errors: the prefix with line and position must agree; the words after are ours."""
    want = _POSITION.match(recorded)
    if not isinstance(answered, str) or want is None or not answered.startswith(want.group(0)):
        problems.append(f"{where}: {str(answered)[:120]!r} where DataSift answered {recorded[:120]!r}")


def endpoint_table(results: list[Result]) -> dict[str, dict]:
    table: dict[str, dict] = {}
    for r in results:
        row = table.setdefault(r.step["endpoint"], {"recorded": 0, "sent": 0, "matched": 0, "versions": set()})
        row["recorded"] += 1
        row["versions"].add(r.version)
        if r.skipped is None:
            row["sent"] += 1
            row["matched"] += r.matched
    return table

