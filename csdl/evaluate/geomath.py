"""Geometry for geo_box, geo_radius and geo_polygon on (latitude, longitude) points in degrees."""

from __future__ import annotations

import math

# The mean Earth radius (IUGG); DataSift does not say which radius it used (docs/run.md).
EARTH_RADIUS_KM = 6371.0088


def in_box(lat: float, lon: float, north_west: tuple[float, float], south_east: tuple[float, float]) -> bool:
    """Inside or on the edge of the box. Corners given the wrong way round in latitude are
    accepted; a west edge east of the east edge means the box crosses the 180th meridian."""
    (lat1, west), (lat2, east) = north_west, south_east
    south, north = min(lat1, lat2), max(lat1, lat2)
    if not south <= lat <= north:
        return False
    if west <= east:
        return west <= lon <= east
    return lon >= west or lon <= east


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), well-conditioned for small distances."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def in_polygon(lat: float, lon: float, vertices: list[tuple[float, float]]) -> bool:
    """Even-odd ray casting in the latitude/longitude plane; points on an edge are inside.

    Edges are straight lines on the plate carrée map, not great circles; at the sizes of the
    documented examples (a town, a county) the difference is metres.
    """
    n = len(vertices)
    inside = False
    for i in range(n):
        y1, x1 = vertices[i]
        y2, x2 = vertices[(i + 1) % n]
        if _on_segment(lat, lon, y1, x1, y2, x2):
            return True
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _on_segment(py, px, y1, x1, y2, x2, eps: float = 1e-12) -> bool:
    cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1)
    if abs(cross) > eps:
        return False
    return min(x1, x2) - eps <= px <= max(x1, x2) + eps and min(y1, y2) - eps <= py <= max(y1, y2) + eps
