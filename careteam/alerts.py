"""Alert emails to care teams: when a patient who shares trends with a team gets a warning sign
of self-harm or a sustained slide, each team member gets one email, with no health data in it.

Sent after the journal announces the warning (`journal.events.warning_raised`, received in
careteam/wiring.py), and by an every-minute sweep that catches up any alert whose enqueue was
lost. The delivery log (`accounts.delivery`) makes each (member, signal) one email, at least
once: a try interrupted by a crash is sent again by the sweep (`Guarantee.AT_LEAST_ONCE`), so an
alert may, rarely, arrive twice, and the admin's log shows it as a possible duplicate; it never
goes missing.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.delivery import Guarantee, deliver_once
from accounts.models import EmailDelivery, User
from journal.access import Scope
from journal.models import Signal

from .models import Membership, Share

# Signals that reach the care team by email: thoughts of self-harm (now) and a sustained slide.
ALERT_KINDS = (
    Signal.Kind.URGENT_ITEM9,
    Signal.Kind.URGENT_CHECKIN,
    Signal.Kind.SUSTAINED_SLIDE,
)
ALERT_EMAIL_KIND = "care_alert"
# The sweep looks this far back: long enough to cover a broker outage, short enough that an
# old signal never produces a surprising email after a restore.
ALERT_SWEEP_WINDOW = dt.timedelta(days=1)


def _alertable_shares(patient_ref):
    # A signal is derived from the trends scope; a team that was not given trends gets no alert.
    return Share.objects.active().covering(Scope.TRENDS).filter(patient=patient_ref)


def care_alert_recipients(*, patient_id: int):
    """Active members of every team this patient shares trends with, each once."""
    return (
        User.objects.filter(
            is_active=True,
            role=User.Role.CARE,
            memberships__team__in=_alertable_shares(patient_id).values("team"),
        )
        .distinct()
        .order_by("pk")
    )


def alert_period(signal: Signal) -> str:
    """The occasion of one alert: the signal, and for a card reported again (another day's
    "yes" on an open card about thoughts of self-harm) that report, so each new report is one
    email per member, and a redelivered task none."""
    return f"signal-{signal.pk}" if signal.reports <= 1 else f"signal-{signal.pk}-{signal.reports}"


def care_alert_send(*, signal_id: int) -> int:
    """Email each team member about this signal, once per (member, signal). Returns how many
    emails this call sent. The email says only that someone may need a check-in."""
    signal = Signal.objects.filter(pk=signal_id, kind__in=ALERT_KINDS).first()
    if signal is None:
        return 0
    context = {"dashboard_url": settings.SITE_URL + reverse("careteam:dashboard")}
    sent = 0
    recipients = list(care_alert_recipients(patient_id=signal.patient_id))
    if not recipients:
        return 0
    with get_connection() as connection:  # one SMTP session for the whole team
        for member in recipients:
            sent += deliver_once(
                recipient=member,
                kind=ALERT_EMAIL_KIND,
                period=alert_period(signal),
                name="care_alert",
                context=context,
                connection=connection,
                # Someone may need help: a second copy is a small cost, a missing one is not.
                guarantee=Guarantee.AT_LEAST_ONCE,
            )
    return sent


def signals_missing_alerts(*, now=None):
    """Ids of recently reported alert-worthy signals with at least one team member not yet
    emailed about their latest report.

    One query: a correlated EXISTS over memberships of teams with an active trends share, each
    without a sent delivery for this signal.
    """
    now = now or timezone.now()
    sent_to_member = EmailDelivery.objects.filter(
        recipient=OuterRef("user"),
        kind=ALERT_EMAIL_KIND,
        period=OuterRef(OuterRef("alert_period")),
        status__in=[EmailDelivery.Status.SENT, EmailDelivery.Status.FAILED],
    )
    unsent_member = Membership.objects.filter(
        Q(user__is_active=True, user__role=User.Role.CARE),
        team__in=Share.objects.active(now=now)
        .covering(Scope.TRENDS)
        .filter(patient=OuterRef(OuterRef("patient")))
        .values("team"),
    ).filter(~Exists(sent_to_member))
    return (
        Signal.objects.filter(kind__in=ALERT_KINDS, last_reported_at__gte=now - ALERT_SWEEP_WINDOW)
        .annotate(
            alert_period=Case(
                When(
                    reports__gt=1,
                    then=Concat(
                        Value("signal-"),
                        Cast("id", CharField()),
                        Value("-"),
                        Cast("reports", CharField()),
                    ),
                ),
                default=Concat(Value("signal-"), Cast("id", CharField())),
                output_field=CharField(),
            )
        )
        .filter(Exists(unsent_member))
        .order_by("detected_at")
        .values_list("pk", flat=True)
    )
