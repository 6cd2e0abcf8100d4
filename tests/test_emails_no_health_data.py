"""No email and no notification carries health data, checked by meaning.

A patient's journal is filled with values that are theirs alone: a mood of 3 every day, a
PHQ-9 of 23 with item 9 answered, a GAD-7 of 19, notes, a tag and session words marked
"MARKER", and warning signs open. Then every kind of email goes out through its real sender
(the four reminders, the care-team alert for each alert kind, the care-team invitation) on every
channel (email to an SMTP server on loopback, Web Push to a push service on loopback, decrypted
with the device's key). Each message, subject, plain text, HTML (as a reader sees it) and
headers, is searched for:

- any measure's name or label (journal/measures.py), instrument names, band words, "score";
- any number that is a score or a mood in the patient's data;
- any text the patient wrote (notes, tags, session intentions and insights).

Links are left out of the number search (tokens and ids are digits), not out of the rest.
"""

import datetime as dt
import html
import json
import re

import pytest
import time_machine
from django.urls import reverse

from accounts import unsubscribe as kinds
from accounts.models import User
from careteam.alerts import care_alert_send
from careteam.invitations import member_invite
from journal import measures
from journal.access import Scope
from journal.models import Activity, Signal, WeeklySummary
from journal.questionnaires import GAD7_BANDS, PHQ9_BANDS, SPECS
from journal.reminders.send import PUSH_TEXT, push_message, reminders_send
from journal.weekly import weekly_summary_refresh
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    QuestionnaireResponseFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)  # Tuesday, 8 p.m. in UTC
MOOD, ENERGY, PHQ9_TOTAL, GAD7_TOTAL = 3, 2, 23, 19
PHQ9_ANSWERS = [3, 3, 3, 3, 3, 3, 2, 2, 1]  # 23, item 9 answered
GAD7_ANSWERS = [3, 3, 3, 3, 3, 2, 2]  # 19


def forbidden_words() -> list[str]:
    words = {"score", "PHQ", "GAD", "questionnaire total", "self-harm", "suicid"}
    for m in measures.MEASURES:
        words |= {m.name.replace("_", " "), m.name, m.label}
        if m.warning_words:
            words.add(m.warning_words)
    words |= {spec.title for spec in SPECS.values()}
    words |= {band for _, band in (*PHQ9_BANDS, *GAD7_BANDS)}
    return sorted(w for w in words if w)


FORBIDDEN_NUMBERS = sorted({MOOD, ENERGY, PHQ9_TOTAL, GAD7_TOTAL, float(MOOD)})
URL = re.compile(r"https?://\S+|/[\w./?=&%-]+")


def visible(message) -> str:
    """Subject, headers, plain text and the HTML part as a reader sees it (tags dropped)."""
    parts = [str(message["Subject"])]
    parts += [f"{k}: {v}" for k, v in message.items() if k.lower() not in {"subject"}]
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        if part.get_content_subtype() == "html":
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        parts.append(text)
    return "\n".join(parts)


def health_data_in(text: str) -> list[str]:
    """What of the patient's health data `text` carries, by meaning; [] when nothing."""
    found = [
        word
        for word in forbidden_words()
        if re.search(rf"(?<![\w-]){re.escape(word)}", text, flags=re.IGNORECASE)
    ]
    if "MARKER" in text.upper():
        found.append("text the patient wrote")
    without_links = URL.sub(" ", text)
    for number in FORBIDDEN_NUMBERS:
        shown = f"{number:g}" if isinstance(number, float) else str(number)
        pattern = rf"(?<![\w.:-]){re.escape(shown)}(?:\.0)?(?![\w:-]|\.\d)"
        if re.search(pattern, without_links):
            found.append(f"the number {shown}")
    return found


def test_the_check_finds_each_kind_of_health_data():
    """The check itself: it fails on a mood, a score, a measure label and a note."""
    assert {"mood", "the number 3"} <= set(health_data_in("Your mood today: 3"))
    assert "the number 23" in health_data_in("Latest total 23.")
    assert "Sleep" in health_data_in("Sleep was short") or "sleep" in health_data_in(
        "Sleep was short"
    )
    assert health_data_in("You wrote: MARKER note") == ["text the patient wrote"]
    assert health_data_in("A moment for today's check-in, 24 November 2026") == []
    assert health_data_in("See https://x.test/a/3/b?mood_id=23") == ["mood"]


@pytest.fixture
def marked_patient(db):
    """A patient whose data is all marked, with everything due at NOW (UTC, 20:00)."""
    patient = UserFactory(
        time_zone="UTC",
        reminder_time=dt.time(20, 0),
        **{switch: True for switch, _ in kinds.PREFERENCES.values()},
        **dict.fromkeys(kinds.PUSH_SWITCHES.values(), True),
    )
    tag = Activity.objects.create(owner=patient, name="MARKER tag")
    for ago in range(1, 9):  # Mon 16 to Mon 23 November: last week complete, none today
        checkin = CheckInFactory(
            patient=patient,
            day=NOW.date() - dt.timedelta(days=ago),
            mood=MOOD,
            energy=ENERGY,
            note=f"MARKER note {ago}",
            self_harm_thoughts=ago == 1,
        )
        checkin.tags_add(tag)
    weekly_summary_refresh(patient_id=patient.pk, day=dt.date(2026, 11, 16))
    assert WeeklySummary.objects.get(patient=patient).mood_mean == MOOD
    TreatmentSessionFactory(
        patient=patient,
        # Three days ago: today has an integration prompt (and so its reminder).
        started_at=NOW - dt.timedelta(days=3),
        day=NOW.date() - dt.timedelta(days=3),
        dose="MARKER dose 0.5 mg/kg",
        intention="MARKER intention",
        insights="MARKER insight",
    )
    first = dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    QuestionnaireResponseFactory(
        patient=patient,
        instrument="phq9",
        answers=PHQ9_ANSWERS,
        day=first.date(),
        submitted_at=first,
    )
    QuestionnaireResponseFactory(
        patient=patient,
        instrument="gad7",
        answers=GAD7_ANSWERS,
        day=first.date(),
        submitted_at=first,
    )
    return patient


def test_every_reminder_on_every_channel_carries_no_health_data(
    client, marked_patient, smtp_sink, push_service
):
    device = push_service.device(f"phone-{marked_patient.pk}")
    client.force_login(marked_patient)
    response = client.post(
        reverse("push_subscribe"),
        data=json.dumps(device.subscription),
        content_type="application/json",
    )
    assert response.status_code == 201

    with time_machine.travel(NOW, tick=True):
        sent = reminders_send(user_ids=[marked_patient.pk], as_of=NOW, now=NOW)

    kinds_sent = sorted(PUSH_TEXT)
    assert sent == 2 * len(kinds_sent)  # every reminder kind, by email and by notification
    assert len(smtp_sink.messages) == len(kinds_sent)
    for message in smtp_sink.messages:
        assert health_data_in(visible(message)) == [], message["Subject"]
    payloads = [device.decrypt(body) for body in push_service.bodies_for(device)]
    assert sorted(p["tag"] for p in payloads) == kinds_sent
    for payload in payloads:
        assert set(payload) == {"title", "body", "url", "tag"}
        assert health_data_in(json.dumps(payload)) == [], payload


@pytest.mark.parametrize("kind", sorted(PUSH_TEXT))
def test_each_notification_text_carries_no_health_data(kind):
    payload = push_message(kind)
    assert health_data_in(" ".join(str(v) for v in vars(payload).values())) == []


@pytest.mark.parametrize(
    "signal_kind",
    [Signal.Kind.URGENT_ITEM9, Signal.Kind.URGENT_CHECKIN, Signal.Kind.SUSTAINED_SLIDE],
)
def test_a_care_team_alert_carries_no_health_data(marked_patient, smtp_sink, signal_kind):
    team = CareTeamFactory()
    clinician = CareUserFactory()
    MembershipFactory(team=team, user=clinician)
    ShareFactory(patient=marked_patient, team=team, scope=Scope.TRENDS | Scope.NOTES)
    signal = SignalFactory(
        patient=marked_patient,
        kind=signal_kind,
        details={
            "low_days": 8,
            "areas": ["energy", "sleep_hours"],
            "usual": 7.0,
            "mean": float(MOOD),
            "total": PHQ9_TOTAL,
            "answer": 1,
        },
    )

    with time_machine.travel(NOW, tick=True):
        assert care_alert_send(signal_id=signal.pk) == 1

    [message] = smtp_sink.messages
    assert message["To"] == clinician.email
    assert health_data_in(visible(message)) == []
    # Not even who: the patient's name and address stay behind the sign-in.
    text = visible(message)
    assert marked_patient.email not in text
    assert marked_patient.display_name not in text


def test_a_care_team_invitation_carries_no_health_data(marked_patient, smtp_sink):
    team = CareTeamFactory(name="Harbour Clinic")  # a factory's numbered name would be a "3"
    admin = CareUserFactory()
    MembershipFactory(team=team, user=admin, role="team_admin")
    ShareFactory(patient=marked_patient, team=team)

    with time_machine.travel(NOW, tick=True):
        member_invite(team=team, inviter=admin, email="new.colleague@clinic.test", role="coach")

    [message] = smtp_sink.messages
    assert health_data_in(visible(message)) == []
    assert marked_patient.display_name not in visible(message)
    assert User.objects.filter(email=marked_patient.email).exists()
