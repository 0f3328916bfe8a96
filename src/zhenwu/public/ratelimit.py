"""Rate limits of the public pages, counted per client address in Django's cache.

Deployment notes:

- The default cache (no ``CACHES`` setting) is local memory, which is per process. That is right
  for the embedded single-process mode. A deployment with several web processes must share the
  counters: set ``CACHES`` to the database cache (``django.core.cache.backends.db.DatabaseCache``
  with ``"TIMEOUT": 3600`` or more, then run ``manage.py createcachetable``). Django's database
  cache rewrites an entry with the default timeout on ``incr``; a timeout at least as long as the
  longest window below keeps every window whole.
- The client address is ``REMOTE_ADDR``. ``X-Forwarded-For`` can be forged by anyone, so it is read
  only when the request comes from an address listed in ``settings.ZHENWU_TRUSTED_PROXY`` (the
  reverse proxy in front of zhenwu, e.g. ``["127.0.0.1"]``); then its last entry, the address the
  proxy itself saw, is the client.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window_seconds`` for one client."""

    scope: str
    count: int
    window_seconds: int


#: Online submissions that passed the form and the CAPTCHA: a resident rarely sends more.
SUBMIT = Limit("submit", 5, 3600)
#: Posts of the submission form, right or wrong: bounds guessing at the CAPTCHA.
SUBMIT_ATTEMPT = Limit("submit-attempt", 20, 3600)
#: Number + query code look-ups: bounds guessing at codes.
TRACK = Limit("track", 30, 600)


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True while the current window has at most ``limit`` hits.

    Fixed windows: the window's number is part of the key, so a window ends on time whatever the
    cache backend does to timeouts, and ``add`` + ``incr`` keep concurrent hits from overwriting
    each other where the backend's ``incr`` is atomic (local memory, Redis, Memcached).
    """
    window = int(timezone.now().timestamp()) // window_seconds
    bucket = f"zhenwu:ratelimit:{key}:{window}"
    cache.add(bucket, 0, timeout=window_seconds)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the entry expired between add and incr: this is the window's first hit
        cache.add(bucket, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def _trusted_proxies() -> set[str]:
    value: str | Iterable[str] = getattr(settings, "ZHENWU_TRUSTED_PROXY", None) or ()
    items = value.split(",") if isinstance(value, str) else value
    return {item.strip() for item in items if item.strip()}


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry behind a trusted proxy."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    if remote in _trusted_proxies():
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            return str(hops[-1])[:64]
    return remote[:64]


def allow(request: HttpRequest, limit: Limit) -> bool:
    """Count one hit of ``request``'s client against ``limit``; False once over it."""
    return hit(f"{limit.scope}:{client_ip(request)}", limit.count, limit.window_seconds)
