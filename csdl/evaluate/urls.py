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


#: Up to this many distinct wanted paths, url_in looks for them as substrings before normalising.
PREFILTER_PATHS = 8


def normalise_url(url: str) -> str:
    return _normalise_lowered(url.strip().lower())


def _normalise_lowered(url: str) -> str:
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


def wanted_urls(items) -> frozenset:
    """The items of a url_in list, normalised; blank items are left out."""
    return frozenset(normalise_url(item) for item in items if item.strip())


def url_in(items):
    """``test(url, memo=None)``: whether ``url``, normalised, is one of ``items`` normalised (blank items
    left out).

    Normalising costs two regex substitutions and a few splits; most posts' URLs are far from a
    short list. A normalised URL's path (what precedes ``?``) is a slice of the URL stripped and
    lower-cased: normalising cuts that string, and the ``/`` an index page at its end becomes is
    then cut too. So a URL none of whose wanted paths occur in that string is rejected with
    substring tests alone.
    """
    wanted = wanted_urls(items)
    # (less a final line feed: Python's ``$`` matches before one, so an index page followed by
    # "\n#…" becomes "/\n", where only what precedes the line feed is a slice)
    paths = tuple({w.partition("?")[0].rstrip("\n") for w in wanted})
    if len(paths) > PREFILTER_PATHS or not all(paths):  # an empty path occurs in every URL
        return lambda url, memo=None: normalise_url(url) in wanted

    def test(url: str, memo=None) -> bool:
        lowered = url.strip().lower()
        for path in paths:
            if path in lowered:
                return _normalise_lowered(lowered) in wanted
        return False

    return test
