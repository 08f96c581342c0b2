"""Geo arguments of ``geo_box``, ``geo_radius`` and ``geo_polygon`` (spec §3.2).

Points are ``lat,lon`` (latitude first); points are separated by ``:``. White space around numbers
is tolerated (``"40.78, -73.97:250"`` appears in DataSift's examples). Parsing checks the shape
only; ranges (latitude within ±90, longitude within ±180, vertex counts) are left to the validator
so that it can report each with its own code.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*\Z")

Point = tuple[float, float]


class GeoFormatError(ValueError):
    """A malformed geo argument; ``offset`` is the index in the value where the problem starts."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


def _number(text: str, offset: int, what: str) -> float:
    match = _NUMBER.match(text)
    if not match:
        shown = text.strip() or "nothing"
        raise GeoFormatError(f"expected {what} as a number, found `{shown}`", offset)
    return float(match.group(1))


def _parts(value: str, sep: str):
    """(part, offset of the part in value) for each ``sep``-separated part."""
    offset = 0
    for part in value.split(sep):
        yield part, offset
        offset += len(part) + 1


def _point(text: str, offset: int) -> Point:
    pieces = text.split(",")
    if len(pieces) != 2:
        raise GeoFormatError(f"expected a point `latitude,longitude`, found `{text.strip()}`", offset)
    lat = _number(pieces[0], offset, "a latitude")
    lon = _number(pieces[1], offset + len(pieces[0]) + 1, "a longitude")
    return lat, lon


def parse_box(value: str) -> tuple[Point, Point]:
    """``"lat1,lon1:lat2,lon2"``: the north-west corner, then the south-east corner."""
    parts = list(_parts(value, ":"))
    if len(parts) != 2:
        raise GeoFormatError("geo_box takes two corners: `north-west lat,lon:south-east lat,lon`", 0)
    return _point(*parts[0]), _point(*parts[1])


def parse_radius(value: str) -> tuple[Point, float]:
    """``"lat,lon:km"``: a centre and a radius in kilometres."""
    parts = list(_parts(value, ":"))
    if len(parts) != 2:
        raise GeoFormatError("geo_radius takes a centre and a radius: `lat,lon:kilometres`", 0)
    centre = _point(*parts[0])
    radius = _number(parts[1][0], parts[1][1], "a radius in kilometres")
    return centre, radius


def parse_polygon(value: str) -> list[Point]:
    """``"lat,lon:lat,lon:..."``: the vertices in order."""
    return [_point(part, offset) for part, offset in _parts(value, ":")]
