"""The DataSift endpoints: name → handler, the HTTP methods its clients use, its rate-limit cost.

Methods differ between the official clients for one call (``source/update`` is PUT in seed 002
and POST in the Ruby and Node clients; ``source/delete`` arrives as GET, POST or DELETE), so each
call accepts every method a client used for it; anything else is 405.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from csdl.server import (account, account_usage, filters, historics, identities, linkedin, managed_sources_api, push_api,
                         pylon, pylon_tasks, versions)
from csdl.server.push_answers import hidden
from csdl.server.source_answers import normalised

READ = frozenset({"GET", "POST"})
WRITE = frozenset({"POST", "PUT"})
CREATE = frozenset({"POST"})
DELETE = frozenset({"GET", "POST", "DELETE"})


@dataclass(frozen=True)
class Endpoint:
    handler: object
    methods: frozenset
    cost: int
    heavy: bool = False  # always run in a worker thread (unbounded by the body size alone)


ENDPOINTS: dict[str, Endpoint] = {
    "validate": Endpoint(filters.validate, READ, 5),
    "compile": Endpoint(filters.compile_, READ, 5),
    "dpu": Endpoint(historics.dpu, READ, 5),
    "historics/prepare": Endpoint(historics.prepare, CREATE, 25),
    "historics/get": Endpoint(historics.get, READ, 25),
    "historics/delete": Endpoint(historics.delete, DELETE, 25),
    "historics/start": Endpoint(historics.start, WRITE, 25),
    "historics/stop": Endpoint(historics.stop, WRITE, 5),
    "historics/pause": Endpoint(historics.pause, WRITE, 5),
    "historics/resume": Endpoint(historics.resume, WRITE, 5),
    "historics/update": Endpoint(historics.update, WRITE, 5),
    "historics/status": Endpoint(historics.status, READ, 25),
    "preview/create": Endpoint(historics.preview_create, CREATE, 25, heavy=True),
    "preview/get": Endpoint(historics.preview_get, READ, 5),
    "usage": Endpoint(account.usage, READ, 25),
    "balance": Endpoint(versions.balance, READ, 25),
    "account/usage": Endpoint(account_usage.usage, READ, 25),
    "source/create": Endpoint(normalised(managed_sources_api.create), WRITE, 25),
    "source/update": Endpoint(normalised(managed_sources_api.update), WRITE, 25),
    "source/get": Endpoint(normalised(managed_sources_api.get), READ, 5),
    "source/delete": Endpoint(managed_sources_api.delete, DELETE, 25),
    "source/start": Endpoint(normalised(managed_sources_api.start), WRITE, 5),
    "source/stop": Endpoint(normalised(managed_sources_api.stop), WRITE, 5),
    "source/log": Endpoint(managed_sources_api.log, READ, 5),
    "source/auth/add": Endpoint(normalised(managed_sources_api.auth_add), WRITE, 25),
    "source/auth/remove": Endpoint(normalised(managed_sources_api.auth_remove), WRITE, 25),
    "source/resource/add": Endpoint(normalised(managed_sources_api.resource_add), WRITE, 25),
    "source/resource/remove": Endpoint(normalised(managed_sources_api.resource_remove), WRITE, 25),
    # push (pull itself is a route of csdl.server.delivery: its answer is not JSON)
    "push/validate": Endpoint(push_api.validate, READ, 5),
    "push/create": Endpoint(hidden(push_api.create), WRITE, 5),
    "push/get": Endpoint(hidden(push_api.get), READ, 1),
    "push/update": Endpoint(hidden(push_api.update), WRITE, 5),
    "push/pause": Endpoint(hidden(push_api.pause), WRITE, 1),
    "push/resume": Endpoint(hidden(push_api.resume), WRITE, 1),
    "push/stop": Endpoint(hidden(push_api.stop), WRITE, 1),
    "push/delete": Endpoint(push_api.delete, DELETE | {"PUT"}, 1),
    "push/log": Endpoint(push_api.log, READ, 1),
}

ANY = frozenset({"GET", "POST", "PUT", "DELETE"})

# PYLON (csdl.server.pylon): call -> handler, methods, cost (DataSift's recorded costs: 25 to start,
# read and analyse a recording, 5 for the rest).
PYLON_CALLS = {
    "validate": (pylon.validate, READ, 5),
    "compile": (pylon.compile_, READ, 5),
    "start": (pylon.start, WRITE, 25),
    "stop": (pylon.stop, WRITE, 5),
    "update": (pylon.update, WRITE, 5),
    "get": (pylon.get, READ, 25),
    "analyze": (pylon.analyze, READ, 25),
    "tags": (pylon.tags, READ, 25),
    "sample": (pylon.sample, READ, 25),
}
# These read every captured interaction of a recording: always in a worker thread.
PYLON_HEAVY = frozenset({"analyze", "tags", "sample"})
# 2015's `analysis/<call>`, `pylon/<call>` and the 2016+ `pylon/<service>/<call>` (the service is
# kept with a recording; it does not change an answer).
_PYLON = re.compile(r"(?:analysis|pylon)/(?:(?P<service>[a-z][a-z0-9_]{0,30})/)?(?P<call>[a-z]+)")


def _with_service(handler, service):
    def handle(call):
        call.params["_service"] = service  # always ours: a client's own `_service` is overwritten
        return handler(call)

    return handle


def _pylon(name: str) -> Endpoint | None:
    m = _PYLON.fullmatch(name)
    if m is None or m.group("call") not in PYLON_CALLS:
        return None
    if m.group("service") is not None and name.startswith("analysis/"):
        return None
    handler, methods, cost = PYLON_CALLS[m.group("call")]
    return Endpoint(_with_service(handler, m.group("service")), methods, cost, heavy=m.group("call") in PYLON_HEAVY)


def find(name: str) -> Endpoint | None:
    endpoint = ENDPOINTS.get(name)
    if endpoint is None and name.startswith("pylon/"):
        found = linkedin.route(name) or pylon_tasks.route(name)
        if found is not None:
            handler, args = found
            creates = name.endswith("/task")  # POST creates (25), everything else reads (5), as recorded
            endpoint = Endpoint(functools.partial(handler, **args), ANY, 25 if creates else 5,
                                heavy=True)  # a task read may analyse a recording
    if endpoint is None and name.startswith(("pylon/", "analysis/")):
        endpoint = _pylon(name)
    if endpoint is None and name.startswith("account/identity"):
        args = identities.route(name)
        if args is not None:  # the handler tells the methods apart; recorded costs: 5 an identity, 25 its limits
            cost = 5 if args["kind"] == "identity" else 25
            endpoint = Endpoint(functools.partial(identities.handle, **args), ANY, cost)
    return endpoint
