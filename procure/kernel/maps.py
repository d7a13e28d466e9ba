"""Maps: sites as GeoJSON for Leaflet (vendored in procure/static/vendor/leaflet), on tiles the
bureau configures (PROCURE_MAP_TILES, e.g. 天地图 with its key) or, with none, on the district's
outline (PROCURE_MAP_BOUNDARY). Pages embed their points; ``static/map.js`` draws them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class MapPoint:
    lon: Decimal | None
    lat: Decimal | None
    name: str
    link: str = ""
    group: str = ""  # points of one group share a colour (a contractor's sites)


def features(points: Iterable[MapPoint]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: longitude first) of the points that have a place."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(p.lon), float(p.lat)]},
         "properties": {"name": p.name, "link": p.link, "group": p.group}}
        for p in points if p.lon is not None and p.lat is not None]}


def tile_origins(template: str | None, subdomains: str = "abc") -> str:
    """The tiles' origins for the CSP's img-src (" https://a.tile.example …"), with {s} as each of
    the subdomains Leaflet picks from (PROCURE_MAP_SUBDOMAINS; 天地图's t{s} takes 01234567)."""
    if not template:
        return ""
    parts = urlsplit(template)
    hosts = [parts.netloc.replace("{s}", s) for s in subdomains] if "{s}" in parts.netloc else [parts.netloc]
    return "".join(f" {parts.scheme}://{host}" for host in dict.fromkeys(hosts))
