"""Push subscriptions as DataSift answered them: ``output_params`` without the credentials.

Every recorded answer of ``push/create``, ``get``, ``update``, ``pause``, ``resume`` and ``stop``
(2015-2018, every version) left ``output_params.auth`` out, although the clients sent it (the
Ruby client's S3 ``access_key`` and ``secret_key``); ``hidden(handler)`` wraps a ``push/*`` handler
so that its answers do the same. The subscription still delivers with them.
"""

from __future__ import annotations

import functools


def without_credentials(subscription):
    if isinstance(subscription, dict) and isinstance(subscription.get("output_params"), dict) \
            and "auth" in subscription["output_params"]:
        params = {k: v for k, v in subscription["output_params"].items() if k != "auth"}
        return {**subscription, "output_params": params}
    return subscription


def hidden(handler):
    @functools.wraps(handler)
    def answer(call):
        status, body = handler(call)
        if isinstance(body, dict) and isinstance(body.get("subscriptions"), list):
            return status, {**body, "subscriptions": [without_credentials(s) for s in body["subscriptions"]]}
        return status, without_credentials(body)

    return answer
