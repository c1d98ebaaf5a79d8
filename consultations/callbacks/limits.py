"""Rate limits of the public request form, kept in Django's cache (Redis in deployment, with
``CACHE_URL``; local memory in the embedded default, right for one process only).

Fixed windows: a counter per key and window, created with ``add`` and raised with ``incr``,
both atomic on Redis, so two requests at the same instant can never both be the fifth.
Phone numbers are keyed by an HMAC, never stored in the cache as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

KEY_PREFIX = "callbacks:limit"


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


# A household sharing one address may well send two or three; a script sends hundreds.
PER_ADDRESS = Limit("ip", count=5, seconds=3600)
# One number asking more than three times a day is a mistake or a nuisance, not a new need.
PER_PHONE = Limit("phone", count=3, seconds=24 * 3600)


def address_key(ip: str | None) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64, which one household holds whole
    (a script would otherwise walk through its own addresses)."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def phone_key(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return hmac.new(
        settings.SECRET_KEY.encode(), f"callback-phone:{digits}".encode(), hashlib.sha256
    ).hexdigest()[:32]


def _window(limit: Limit) -> int:
    if limit.seconds >= 24 * 3600:
        # A day is a Seoul day, as a person counts one.
        return timezone.localdate().toordinal()
    return int(time.time() // limit.seconds)


def hit(limit: Limit, key: str) -> bool:
    """Count one attempt under ``key``; False when it is over the limit."""
    cache_key = f"{KEY_PREFIX}:{limit.name}:{key}:{_window(limit)}"
    cache.add(cache_key, 0, timeout=limit.seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr: this is the window's first attempt.
        cache.add(cache_key, 1, timeout=limit.seconds)
        count = 1
    return count <= limit.count
