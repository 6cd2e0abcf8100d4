"""Web Push: notifications on the devices where a person turned them on, through the same
delivery log as email (one row per person, kind, occasion and channel; `accounts.delivery`).

A browser that allows notifications gives us a subscription: an endpoint URL at its push
service (Google's, Mozilla's, Apple's, Microsoft's) and two keys. We sign each request with our
VAPID key pair (RFC 8292; `VAPID_PUBLIC_KEY`, `VAPID_PRIVATE_KEY`, `VAPID_SUBJECT` from the
environment; `manage.py make_vapid_keys` makes a pair) and encrypt the payload to the device's
keys (RFC 8291, aes128gcm) with `pywebpush`: the push service carries it without reading it.

What a payload holds: a title, a line of text, the path of the page it is about and a tag. No
mood, score, note or warning detail: a notification shows on a lock screen.

The server POSTs to whatever endpoint a browser hands it, so endpoints are checked against
`PUSH_SERVICE_HOSTS` (https only) before they are stored: otherwise any signed-in account
could make Tideline send requests to an address of its choosing.
"""

import dataclasses
import json
import logging
import threading
import urllib.parse
from base64 import urlsafe_b64decode
from ipaddress import ip_address

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from .delivery import PUSH, Failure, Guarantee, send_once
from .models import EmailDelivery, PushSubscription, User

logger = logging.getLogger(__name__)

# A person's devices with notifications on; past this the oldest is dropped (a browser that
# was reinstalled many times leaves endpoints behind until the push service says they are gone).
MAX_DEVICES = 10
# Seconds a push service keeps trying to reach a device that is off: a reminder is useless
# half a day later. Reminders use this; an alert sets its own.
REMINDER_TTL = 6 * 60 * 60
REQUEST_TIMEOUT = 10


@dataclasses.dataclass(frozen=True)
class PushMessage:
    """What a notification shows and where tapping it leads (a path on this site)."""

    title: str
    body: str
    url: str
    tag: str

    def payload(self) -> str:
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))


def push_enabled() -> bool:
    """Both halves of the VAPID key pair are configured."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


_vapid_lock = threading.Lock()
_vapid: dict[str, Vapid] = {}


def _vapid_key() -> Vapid:
    with _vapid_lock:
        key = _vapid.get(settings.VAPID_PRIVATE_KEY)
        if key is None:
            key = _vapid[settings.VAPID_PRIVATE_KEY] = Vapid.from_string(settings.VAPID_PRIVATE_KEY)
        return key


def _b64url_bytes(value: str) -> bytes:
    return urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _allowed_host(host: str) -> bool:
    return any(
        host == allowed or host.endswith(f".{allowed}") for allowed in settings.PUSH_SERVICE_HOSTS
    )


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def validate_subscription(*, endpoint: str, p256dh: str, auth: str) -> None:
    """Refuse anything that is not a push service's endpoint with well-formed keys."""
    problem = "This browser's notification details were not accepted."
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise ValidationError(problem)
    url = urllib.parse.urlsplit(endpoint)
    host = (url.hostname or "").lower()
    # Plain http only for a push service on this machine that the operator listed (tests, a
    # local development push server); everything else must be https.
    secure = url.scheme == "https" or (url.scheme == "http" and _is_loopback(host))
    if not secure or not host or not _allowed_host(host) or url.username or url.password:
        raise ValidationError(problem)
    try:
        key = _b64url_bytes(p256dh)
        secret = _b64url_bytes(auth)
    except (ValueError, TypeError):
        raise ValidationError(problem) from None
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise ValidationError(problem)


@transaction.atomic
def push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Remember this device for `user`. The same endpoint signed in as someone else before (a
    shared phone) now belongs to `user` alone."""
    validate_subscription(endpoint=endpoint, p256dh=p256dh, auth=auth)
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    keep = (
        PushSubscription.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:MAX_DEVICES]
    )
    PushSubscription.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> int:
    """Forget this device for `user` (notifications turned off there, or signing out)."""
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted


class PushNotDelivered(Exception):
    """No device took the message and a later try may (429, 5xx, network). Retried."""


class PushNoAnswer(Exception):
    """A device's push service went quiet after the request was sent: it may have arrived."""


class PushUndeliverable(Exception):
    """No device can take it: none left, or every one refused for good."""


def push_failure(exc: BaseException) -> Failure:
    if isinstance(exc, PushUndeliverable):
        return Failure.PERMANENT
    if isinstance(exc, PushNoAnswer):
        return Failure.UNKNOWN
    return Failure.NOT_SENT


def _status(exc: WebPushException) -> int | None:
    return exc.status_code


def push_to_devices(
    subscriptions: list[PushSubscription],
    message: PushMessage,
    *,
    session: requests.Session | None = None,
    ttl: int = REMINDER_TTL,
) -> int:
    """Send `message` to each device; returns how many push services took it. Devices the
    push service says are gone (404, 410) are forgotten. Raises when none took it: see the
    exceptions above."""
    if not push_enabled():
        raise PushUndeliverable("push is not configured")
    delivered, gone, no_answer, retryable = 0, [], 0, 0
    for subscription in subscriptions:
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=message.payload(),
                vapid_private_key=_vapid_key(),
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=ttl,
                timeout=REQUEST_TIMEOUT,
                # A replaced notification of the same kind, if the device was off meanwhile.
                headers={"Topic": message.tag[:32], "Urgency": "normal"},
                requests_session=session,
            )
        except WebPushException as exc:
            status = _status(exc)
            if status in (404, 410):
                gone.append(subscription.pk)
            elif status is None or status == 429 or status >= 500:
                retryable += 1
            else:  # 400, 403, 413: this request will never be taken by this device
                logger.warning("push subscription %s refused with %s", subscription.pk, status)
        except requests.ReadTimeout:
            no_answer += 1
        except requests.RequestException:
            retryable += 1
        else:
            delivered += 1
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
        logger.info("forgot %d push subscription(s) their push service says are gone", len(gone))
    if delivered:
        return delivered
    if no_answer:
        raise PushNoAnswer("no answer from the push service")
    if retryable:
        raise PushNotDelivered("the push service did not take it; try again")
    raise PushUndeliverable("no device can take it")


def deliver_push_once(
    *,
    recipient: User,
    kind: str,
    period: str,
    message: PushMessage,
    subscriptions: list[PushSubscription] | None = None,
    session: requests.Session | None = None,
    claimed: EmailDelivery | None = None,
    guarantee: Guarantee = Guarantee.AT_MOST_ONCE,
) -> bool:
    """`message` to all of `recipient`'s devices, once for (recipient, kind, period) through
    the delivery log's push channel; the same outcomes as `accounts.delivery.deliver_once`.
    `subscriptions`: the recipient's devices if the caller loaded them for a batch."""
    if not recipient.is_active:
        return False

    def send(delivery: EmailDelivery) -> None:
        devices = subscriptions
        if devices is None:
            devices = list(PushSubscription.objects.filter(user=recipient))
        push_to_devices(devices, message, session=session)

    occasion = {"recipient_id": recipient.pk, "kind": kind, "period": period, "channel": PUSH}
    return send_once(
        occasion,
        send,
        classify=push_failure,
        guarantee=guarantee,
        pk=claimed.pk if claimed is not None else None,
    )
