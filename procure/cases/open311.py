"""Open311 GeoReport v2 for citizen reports: the service list and request routing. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    category: str          # the 四化 category it concerns
    limit_hours: int       # the rectification limit once an inspector verifies it


SERVICES = (
    Service("litter", "暴露垃圾", "路面、绿地、广场上的垃圾、积存渣土", "洁化", "clean", 24),
    Service("overflowing_bin", "果皮箱满溢", "果皮箱、垃圾桶满溢或破损", "洁化", "clean", 12),
    Service("river_floating", "河道漂浮物", "河面漂浮垃圾、水草", "洁化", "clean", 24),
    Service("greenery_damage", "绿化损坏", "树木倒伏、缺株、黄土裸露、病虫害", "绿化", "green", 72),
    Service("road_damage", "道路破损", "路面坑洼、人行道板松动破损", "序化", "order", 72),
    Service("facility_damage", "设施损坏", "护栏、座椅、标识牌、井盖等损坏缺失", "序化", "order", 48),
    Service("street_light", "路灯不亮", "路灯、景观灯不亮或灯杆损坏", "亮化", "light", 48),
)
BY_CODE = {s.code: s for s in SERVICES}
#: A report this close to a site's recorded point is routed to it.
ROUTING_RADIUS_M = 300


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class SitePoint:
    id: int
    name: str
    lat: Decimal | None
    lon: Decimal | None


def route(sites: Iterable[SitePoint], lat: Decimal | None, lon: Decimal | None, text: str) -> int | None:
    """The site a report concerns: the nearest within the radius, else one named in the text."""
    candidates = list(sites)
    if lat is not None and lon is not None:
        near = [(distance_m(float(lat), float(lon), float(s.lat), float(s.lon)), s.id)
                for s in candidates if s.lat is not None and s.lon is not None]
        near = [n for n in near if n[0] <= ROUTING_RADIUS_M]
        if near:
            return min(near)[1]
    named = [s for s in candidates if s.name and s.name in text]
    if named:
        return max(named, key=lambda s: len(s.name)).id  # the most specific name wins
    return None
