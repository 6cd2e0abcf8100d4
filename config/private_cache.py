"""Health data in the shared cache: sealed, per patient, and gone when the patient is.

The trends page caches its rendered charts (daily moods, scores, tag names) for up to an hour.
Redis is shared by every process and often by other tools; its dumps, replicas and `MONITOR`
output are read by people who should never see a patient's moods. So every value cached here
is compressed and encrypted before it leaves the process (Fernet: AES-128-CBC with an
HMAC-SHA256, from the maintained `cryptography` package) with a key derived from SECRET_KEY.
Rotating SECRET_KEY rotates it: keys derived from SECRET_KEY_FALLBACKS still read entries
written before the rotation, and an entry no key opens is a miss, rebuilt from the database.
So is an entry an older release sealed in another layout.

Entries are named by patient and a declared name (`declare("trends:90d")`), never by their
contents, so a patient's entries can be listed without reading any: `purge(patient_id)` deletes
every one of them. It is called when an account is deleted and when a share is revoked.
"""

from __future__ import annotations

import base64
import pickle  # our own values, authenticated by Fernet before they are unpickled
import zlib
from functools import cache as memoize
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.cache import cache

# HKDF "info": a key for this purpose only, never the one Django signs cookies with.
_PURPOSE = b"tideline private cache v1"
_names: set[str] = set()


def declare(name: str) -> str:
    """Declare a name patients' entries may be cached under (at import time); returns it."""
    _names.add(name)
    return name


def _derive(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(key)


@memoize
def _fernet_for(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    # The first key encrypts; every key decrypts (entries written before a rotation).
    return MultiFernet([Fernet(_derive(s)) for s in (secret, *fallbacks)])


def _fernet() -> MultiFernet:
    return _fernet_for(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def _key(patient_id: int, name: str) -> str:
    if name not in _names:
        raise KeyError(f"declare({name!r}) before caching under it: purge() must know it")
    return f"private:{patient_id}:{name}"


def seal(value: Any) -> bytes:
    # Compressed first: a rendered charts section is mostly markup (5 to 10 times smaller),
    # and Fernet's cost (AES, HMAC, base64) grows with the bytes it is given (BENCHMARKS.md).
    # Only someone who can read Redis sees a sealed length, and nobody but the patient puts
    # text into their charts, so the length says nothing a reader could steer.
    packed = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _fernet().encrypt(packed)


def unseal(token: bytes) -> Any:
    """The value sealed in `token`; InvalidToken if no current key opens it or it was changed."""
    return pickle.loads(zlib.decompress(_fernet().decrypt(token)))  # noqa: S301 - authenticated


def get(patient_id: int, name: str) -> Any | None:
    """The value cached for this patient under `name`, or None (absent, expired or unreadable)."""
    token = cache.get(_key(patient_id, name))
    if not isinstance(token, bytes):
        return None
    try:
        return unseal(token)
    except InvalidToken:
        return None  # written with a key since retired, or tampered with: rebuild it
    except (zlib.error, pickle.UnpicklingError):
        return None  # sealed by an older release in another layout: rebuild it


def put(patient_id: int, name: str, value: Any, timeout: int) -> None:
    cache.set(_key(patient_id, name), seal(value), timeout)


def purge(patient_id: int) -> None:
    """Delete every entry cached for this patient, whatever it holds. Safe to repeat."""
    cache.delete_many([_key(patient_id, name) for name in sorted(_names)])
