"""URL normalisation for url_in (spec §3.1, DataSift's url_in page).

Both the post's URL and every list item are normalised, then compared exactly: the scheme is
dropped, a leading ``www.`` is dropped, ``utm_*`` query parameters and the ``#fragment`` are
removed, ``/index.{php,html,htm,aspx,asp}`` and ``/default.{html,htm,aspx,asp}`` become ``/``,
and everything is lower case (url_in is documented as not case sensitive). Our additions, in
docs/run.md: a trailing ``/`` is dropped so that ``apple.com`` and ``apple.com/`` are one URL,
and an empty query string (``?`` alone, or one left empty by dropping utm codes) is dropped.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
_INDEX_PAGE = re.compile(r"/(?:index\.(?:php|html|htm|aspx|asp)|default\.(?:html|htm|aspx|asp))$")


def normalise_url(url: str) -> str:
    url = url.strip().lower()
    url = _SCHEME.sub("", url, count=1)
    if url.startswith("//"):
        url = url[2:]
    if url.startswith("www."):
        url = url[4:]
    url = url.split("#", 1)[0]
    path, _, query = url.partition("?")
    path = _INDEX_PAGE.sub("/", path)
    if path.endswith("/"):
        path = path[:-1]
    if query:
        kept = [p for p in query.split("&") if p and not p.startswith("utm_")]
        query = "&".join(kept)
    return f"{path}?{query}" if query else path
