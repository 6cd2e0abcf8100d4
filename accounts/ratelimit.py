"""A per-account limit on how often a page may be opened, kept in the shared cache.

Fixed windows ("60 a minute" starts afresh each minute): two cache operations per window per
request (`add`, then an atomic `incr` on Redis), cheap enough for every page it guards. A
window boundary can let up to twice the amount through in a short burst; that is fine for what
this is for (no one can flood a log or walk ids at machine speed), and sign-in attempts keep
allauth's own sliding limits. While Redis is down the limits hold per process
(config/cache.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int


def parse_rates(text: str) -> list[Rate]:
    """ "60/m,600/h" -> [Rate(60, 60), Rate(600, 3600)]; the units are s, m, h, d, with an
    optional count ("10/5m"). The same notation as allauth's rate limits, without the "per"."""
    rates = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        amount, _, period = part.partition("/")
        count, unit = period[:-1] or "1", period[-1:]
        if unit not in UNITS or not amount.isdigit() or not count.isdigit():
            raise ValueError(f"Not a rate: {part!r} (write it like 60/m or 10/5m)")
        rates.append(Rate(int(amount), int(count) * UNITS[unit]))
    return rates


def retry_after(*, name: str, who: int, rates: list[Rate], now: float | None = None) -> int:
    """Count one request by account `who` against each rate of `name`. 0 if it may go ahead;
    otherwise the seconds until the fullest window it broke starts afresh."""
    now = time.time() if now is None else now
    wait = 0
    for rate in rates:
        window = int(now // rate.seconds)
        key = f"rl:{name}:{who}:{rate.amount}/{rate.seconds}:{window}"
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: this request is the first
            cache.set(key, 1, timeout=rate.seconds + 1)
            count = 1
        if count > rate.amount:
            wait = max(wait, math.ceil((window + 1) * rate.seconds - now))
    return wait
