"""The DataSift endpoints: name → handler, the HTTP methods its clients use, its rate-limit cost.

Methods differ between the official clients for one call (``source/update`` is PUT in seed 002
and POST in the Ruby and Node clients; ``source/delete`` arrives as GET, POST or DELETE), so each
call accepts every method a client used for it; anything else is 405.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from csdl.server import account, account_usage, filters, historics, identities, managed_sources_api, push_api, versions

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
    "pylon/validate": Endpoint(filters.pylon_validate, READ, 5),
    "pylon/compile": Endpoint(filters.pylon_compile, READ, 5),
    "analysis/validate": Endpoint(filters.pylon_validate, READ, 5),
    "analysis/compile": Endpoint(filters.pylon_compile, READ, 5),
    "historics/prepare": Endpoint(historics.prepare, CREATE, 25),
    "historics/get": Endpoint(historics.get, READ, 25),
    "historics/delete": Endpoint(historics.delete, DELETE, 25),
    "historics/start": Endpoint(historics.start, WRITE, 25),
    "historics/stop": Endpoint(historics.stop, WRITE, 25),
    "historics/pause": Endpoint(historics.pause, WRITE, 25),
    "historics/resume": Endpoint(historics.resume, WRITE, 25),
    "historics/update": Endpoint(historics.update, WRITE, 25),
    "historics/status": Endpoint(historics.status, READ, 25),
    "preview/create": Endpoint(historics.preview_create, CREATE, 25, heavy=True),
    "preview/get": Endpoint(historics.preview_get, READ, 5),
    "usage": Endpoint(account.usage, READ, 25),
    "balance": Endpoint(versions.balance, READ, 25),
    "account/usage": Endpoint(account_usage.usage, READ, 25),
    "source/create": Endpoint(managed_sources_api.create, WRITE, 25),
    "source/update": Endpoint(managed_sources_api.update, WRITE, 25),
    "source/get": Endpoint(managed_sources_api.get, READ, 5),
    "source/delete": Endpoint(managed_sources_api.delete, DELETE, 25),
    "source/start": Endpoint(managed_sources_api.start, WRITE, 25),
    "source/stop": Endpoint(managed_sources_api.stop, WRITE, 25),
    "source/log": Endpoint(managed_sources_api.log, READ, 5),
    "source/auth/add": Endpoint(managed_sources_api.auth_add, WRITE, 25),
    "source/auth/remove": Endpoint(managed_sources_api.auth_remove, WRITE, 25),
    "source/resource/add": Endpoint(managed_sources_api.resource_add, WRITE, 25),
    "source/resource/remove": Endpoint(managed_sources_api.resource_remove, WRITE, 25),
    # push (pull itself is a route of csdl.server.delivery: its answer is not JSON)
    "push/validate": Endpoint(push_api.validate, READ, 5),
    "push/create": Endpoint(push_api.create, WRITE, 25),
    "push/get": Endpoint(push_api.get, READ, 5),
    "push/update": Endpoint(push_api.update, WRITE, 25),
    "push/pause": Endpoint(push_api.pause, WRITE, 25),
    "push/resume": Endpoint(push_api.resume, WRITE, 25),
    "push/stop": Endpoint(push_api.stop, WRITE, 25),
    "push/delete": Endpoint(push_api.delete, DELETE | {"PUT"}, 25),
    "push/log": Endpoint(push_api.log, READ, 5),
}

# `pylon/<service>/validate` (the Node client's v1.5 routes): the service does not change the answer.
_PYLON_SERVICE = re.compile(r"pylon/[a-z][a-z0-9_]{0,30}/(validate|compile)")


ANY = frozenset({"GET", "POST", "PUT", "DELETE"})


def find(name: str) -> Endpoint | None:
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        m = _PYLON_SERVICE.fullmatch(name)
        if m:
            endpoint = ENDPOINTS["pylon/" + m.group(1)]
    if endpoint is None and name.startswith("account/identity"):
        args = identities.route(name)
        if args is not None:  # the handler tells the methods apart (DataSift's costs: 5 to read, 25 to change)
            endpoint = Endpoint(functools.partial(identities.handle, **args), ANY, 25)
    return endpoint
