"""deliver_once against a real SMTP server on loopback: one email per occasion, whatever
happens, with no health data, both parts, and one-click unsubscribe headers."""

import datetime as dt
import email
import email.parser
import smtplib
import threading
import uuid
from email import policy

import pytest
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.utils import timezone

from accounts import unsubscribe
from accounts.delivery import deliver_once
from accounts.emails import PreparedEmail, build_message, delivery_message_id
from accounts.models import EmailDelivery, User
from accounts.schedule import reminder_schedule_refresh
from journal.reminders.send import reminders_send
from journal.tasks import reminders_send_batch
from tests.factories import CheckInFactory, QuestionnaireResponseFactory, UserFactory
from tests.services import require_postgres


def send(person, *, period="2026-11-24", connection=None):
    return deliver_once(
        recipient=person,
        kind=unsubscribe.CHECKIN_REMINDER,
        period=period,
        name="checkin_reminder",
        context={
            "greeting_name": person.greeting_name,
            "action_url": "http://127.0.0.1:8000/",
            "settings_url": "http://127.0.0.1:8000/settings/",
            "help_url": "http://127.0.0.1:8000/help/",
        },
        unsubscribe_url=unsubscribe.unsubscribe_url(user=person, kind=unsubscribe.CHECKIN_REMINDER),
        connection=connection,
    )


@pytest.mark.django_db
def test_a_reminder_has_text_and_html_parts_and_one_click_unsubscribe_headers(smtp_sink):
    person = UserFactory()

    assert send(person) is True

    [message] = smtp_sink.messages
    assert message["To"] == person.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip()
    assert link.startswith("<http://") and "/notifications/unsubscribe/checkin_reminder/" in link
    assert person.email not in link and "@" not in link
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://127.0.0.1:8000/" in plain and 'href="http://127.0.0.1:8000/"' in html
    assert link.strip("<>") in plain
    assert message["Message-ID"].startswith("<delivery.")


@pytest.mark.django_db
def test_no_health_data_reaches_any_reminder_email(smtp_sink):
    person = UserFactory(
        time_zone="UTC",
        reminder_time=dt.time(20, 0),
        questionnaire_reminder_enabled=True,
    )
    CheckInFactory(patient=person, day=dt.date(2026, 11, 22), mood=1, note="wrote-a-private-note")
    QuestionnaireResponseFactory(
        patient=person, answers=[3] * 9, day=dt.date(2026, 10, 1), band="severe"
    )
    now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)

    assert reminders_send(user_ids=[person.pk], as_of=now, now=now) == 2

    assert len(smtp_sink.messages) == 2
    for message in smtp_sink.messages:
        text = message.as_string()
        for secret in ("wrote-a-private-note", "severe", "mood", "PHQ", "GAD", "score"):
            assert secret not in text


@pytest.mark.django_db
def test_a_second_send_for_the_same_occasion_sends_nothing(smtp_sink):
    person = UserFactory()

    assert [send(person), send(person), send(person, period="2026-11-25")] == [True, False, True]
    assert len(smtp_sink.messages) == 2
    delivery = EmailDelivery.objects.get(recipient=person, period="2026-11-24")
    assert delivery.status == EmailDelivery.Status.SENT and delivery.attempts == 1


@pytest.mark.django_db
def test_a_deactivated_account_is_never_emailed(smtp_sink):
    person = UserFactory(is_active=False)

    assert send(person) is False
    assert smtp_sink.messages == []


@pytest.mark.django_db
def test_a_permanent_refusal_is_recorded_without_the_server_text_and_never_retried(smtp_sink):
    person = UserFactory()
    smtp_sink.replies = [f"550 5.1.1 <{person.email}> mailbox unknown, mood data blah"]

    assert send(person) is False  # no exception: the caller's task must not retry

    delivery = EmailDelivery.objects.get(recipient=person)
    assert delivery.status == EmailDelivery.Status.FAILED
    assert delivery.last_error == "550 SMTPDataError"
    assert send(person) is False
    assert smtp_sink.data_commands == 1  # the second call never contacted the server


@pytest.mark.django_db
def test_a_refused_recipient_is_a_permanent_failure(smtp_sink):
    person = UserFactory()
    smtp_sink.rcpt_replies = ["550 5.1.1 No such user here"]

    assert send(person) is False

    delivery = EmailDelivery.objects.get(recipient=person)
    assert delivery.status == EmailDelivery.Status.FAILED
    assert delivery.last_error == "550 SMTPRecipientsRefused"


@pytest.mark.django_db
def test_the_sent_email_is_named_by_its_log_row_so_a_resend_would_be_the_same_message(smtp_sink):
    person = UserFactory()
    before = timezone.now()

    assert send(person) is True

    [message] = smtp_sink.messages
    delivery = EmailDelivery.objects.get(recipient=person)
    assert message["Message-ID"] == delivery_message_id(delivery)
    assert delivery.sent_at is not None and before <= delivery.sent_at <= timezone.now()


@pytest.mark.django_db
def test_a_temporary_failure_raises_for_a_retry_and_the_retry_sends_once(smtp_sink):
    person = UserFactory()
    smtp_sink.replies = ["451 4.3.0 Try again later"]

    with pytest.raises(smtplib.SMTPDataError):
        send(person)
    delivery = EmailDelivery.objects.get(recipient=person)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        EmailDelivery.Status.PENDING,
        1,
        "451 SMTPDataError",
    )

    assert send(person) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(smtp_sink.messages) == 1


@pytest.mark.django_db
def test_a_server_that_is_down_is_a_temporary_failure(settings):
    from tests.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listening
    person = UserFactory()

    with pytest.raises(ConnectionRefusedError):
        send(person)
    delivery = EmailDelivery.objects.get(recipient=person)
    assert delivery.status == EmailDelivery.Status.PENDING
    assert delivery.last_error == "ConnectionRefusedError"


@pytest.mark.django_db
def test_a_batch_is_sent_over_one_smtp_connection(smtp_sink):
    people = [UserFactory(time_zone="UTC", questionnaire_reminder_enabled=False) for _ in range(4)]
    now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)

    sent = reminders_send(user_ids=[p.pk for p in people], as_of=now, now=now)

    assert sent == 4
    assert sorted(smtp_sink.recipients) == sorted(p.email for p in people)
    assert len(smtp_sink.peers) == 1  # one TCP connection (one client port) for the batch


@pytest.mark.django_db
def test_a_bad_address_in_a_batch_does_not_stop_the_others(smtp_sink):
    people = [UserFactory(time_zone="UTC", questionnaire_reminder_enabled=False) for _ in range(3)]
    now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)
    smtp_sink.rcpt_replies = ["550 5.1.1 No such user here"]  # the first recipient

    sent = reminders_send(user_ids=[p.pk for p in people], as_of=now, now=now)

    assert sent == 2
    assert sorted(smtp_sink.recipients) == sorted(p.email for p in people[1:])
    assert EmailDelivery.objects.filter(status="failed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_the_same_occasion_make_one_email(smtp_sink):
    require_postgres()
    person = UserFactory()
    smtp_sink.delay = 1.0  # the first sender is still talking to the server when the second comes
    start = threading.Barrier(2)
    results = []

    def worker():
        try:
            start.wait()
            results.append(send(person))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False, True]
    assert len(smtp_sink.messages) == 1
    assert EmailDelivery.objects.get(recipient=person).status == EmailDelivery.Status.SENT


@pytest.mark.django_db
def test_an_open_connection_passed_in_is_reused_and_left_open(smtp_sink):
    people = [UserFactory() for _ in range(3)]
    connection = get_connection()
    connection.open()
    try:
        assert [send(p, connection=connection) for p in people] == [True, True, True]
        assert connection.connection is not None  # still open for the caller's next message
    finally:
        connection.close()
    assert len(smtp_sink.peers) == 1


def test_retry_backoff_and_task_etas_stay_under_the_redis_visibility_timeout():
    from config import settings as config_settings

    assert config_settings.CELERY_VISIBILITY_TIMEOUT == 3600  # the default, unless set
    if settings.REDIS_URL:
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    longest_wait = reminders_send_batch.retry_backoff_max  # jitter only ever shortens a wait
    assert reminders_send_batch.retry_backoff and reminders_send_batch.retry_jitter
    assert longest_wait < settings.CELERY_VISIBILITY_TIMEOUT
    assert longest_wait == settings.EMAIL_RETRY_BACKOFF_MAX


@pytest.mark.django_db
def test_a_care_alert_caller_can_use_deliver_once_with_its_own_kind(smtp_sink):
    clinician = UserFactory(role="care")
    reminder_schedule_refresh(user=clinician)

    sent = deliver_once(
        recipient=clinician,
        kind="care_alert",
        period="signal-41",
        name="checkin_reminder",  # any triplet; the care-team helper brings its own
        context={"greeting_name": "Dr R", "action_url": "http://127.0.0.1:8000/care/"},
    )

    assert sent is True
    assert clinician.next_reminder_at is None  # care-team accounts get no patient reminders
    assert "List-Unsubscribe" not in smtp_sink.messages[0]


@pytest.mark.django_db
def test_a_name_reads_naturally_in_the_text_part_and_is_escaped_in_the_html(smtp_sink):
    person = UserFactory(display_name="Siobhán O'Brien <b>")

    send(person)

    [message] = smtp_sink.messages
    assert message.get_body(("plain",)).get_content().startswith("Hi Siobhán O'Brien <b>,")
    assert "Hi Siobhán O&#x27;Brien &lt;b&gt;," in message.get_body(("html",)).get_content()


REMINDER_KINDS = [
    unsubscribe.CHECKIN_REMINDER,
    unsubscribe.QUESTIONNAIRE_DUE,
    unsubscribe.WEEKLY_SUMMARY,
    unsubscribe.INTEGRATION_REMINDER,
]
AWKWARD_NAMES = ["there", "Siobhán O'Brien <b>", 'A & B "quoted"', "Zoë 😊", "--", ". dot"]


def both_ways(
    kind: str, name: str
) -> tuple[email.message.EmailMessage, email.message.EmailMessage]:
    """One recipient's email as Django builds it, and as a batch's PreparedEmail builds it."""
    context = {
        "action_url": "http://127.0.0.1:8000/checkin/",
        "settings_url": "http://127.0.0.1:8000/settings/",
        "help_url": "http://127.0.0.1:8000/help/",
    }
    link = unsubscribe.unsubscribe_url(user=User(public_id=uuid.uuid4()), kind=kind)
    message_id = "<delivery.77.1764000000@tideline.local>"
    slow = build_message(
        to="zoe@example.test",
        name=kind,
        context={"greeting_name": name, **context},
        unsubscribe_url=link,
        message_id=message_id,
    ).message()
    fast = PreparedEmail(name=kind, context=context).as_bytes(
        to="zoe@example.test", greeting_name=name, unsubscribe_url=link, message_id=message_id
    )
    assert fast is not None
    parse = email.parser.BytesParser(policy=policy.default).parsebytes
    # Django's MIME classes take `linesep` (its MIMEMixin), which typeshed's Message lacks.
    return parse(slow.as_bytes(linesep="\r\n")), parse(fast)  # type: ignore[call-arg]


@pytest.mark.parametrize("kind", REMINDER_KINDS)
@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_a_prepared_email_is_the_same_email_django_would_build(kind, name):
    slow, fast = both_ways(kind, name)

    for header in (
        "Subject",
        "From",
        "To",
        "Message-ID",
        "Auto-Submitted",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
    ):
        assert str(fast[header]).strip() == str(slow[header]).strip(), header
    assert fast["Date"] is not None
    assert fast.get_content_type() == slow.get_content_type() == "multipart/alternative"
    for subtype in ("plain", "html"):
        assert fast.get_body((subtype,)).get_content() == slow.get_body((subtype,)).get_content()
        assert (
            fast.get_body((subtype,))["Content-Transfer-Encoding"]
            == slow.get_body((subtype,))["Content-Transfer-Encoding"]
        )
    assert [p.get_content_type() for p in fast.iter_parts()] == ["text/plain", "text/html"]


def test_a_prepared_email_is_plain_ascii_for_an_ascii_name_and_has_crlf_line_ends():
    context = {"action_url": "http://x/", "settings_url": "http://x/s/", "help_url": "http://x/h/"}
    data = PreparedEmail(name="checkin_reminder", context=context).as_bytes(
        to="a@example.test", greeting_name="Sam", unsubscribe_url="http://x/u/", message_id="<m@x>"
    )

    data.decode("ascii")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


@pytest.mark.django_db
def test_a_name_too_long_for_an_8bit_line_still_arrives_through_the_slow_path(smtp_sink):
    person = UserFactory(time_zone="UTC", questionnaire_reminder_enabled=False)
    # display_name is at most 80 characters, but the fast path must never emit an overlong
    # line whatever it is given: this one goes out quoted-printable, as Django sends it.
    User.objects.filter(pk=person.pk).update(display_name="é" * 80)
    now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)
    prepared = PreparedEmail(
        name="checkin_reminder",
        context={
            "action_url": "http://x/",
            "settings_url": "http://x/s/",
            "help_url": "http://x/h/",
        },
    )
    assert (
        prepared.as_bytes(
            to="a@example.test",
            greeting_name="é" * 600,
            unsubscribe_url="http://x/u/",
            message_id="<m@x>",
        )
        is None
    )

    assert reminders_send(user_ids=[person.pk], as_of=now, now=now) == 1

    [message] = smtp_sink.messages
    assert message.get_body(("plain",)).get_content().startswith("Hi " + "é" * 80 + ",")


@pytest.mark.django_db
def test_a_batch_builds_each_kind_once_and_every_copy_names_its_own_person_and_row(smtp_sink):
    people = [
        UserFactory(time_zone="UTC", questionnaire_reminder_enabled=False, display_name=name)
        for name in ("Ann", "Bo <script>", "Zoë")
    ]
    now = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)

    assert reminders_send(user_ids=[p.pk for p in people], as_of=now, now=now) == 3

    by_to = {m["To"]: m for m in smtp_sink.messages}
    for person in people:
        message = by_to[person.email]
        delivery = EmailDelivery.objects.get(recipient=person)
        assert message["Message-ID"] == delivery_message_id(delivery)
        # The link signs a timestamp too, so one made here may differ by a second: check
        # what the mailed link says instead.
        link = message["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
        prefix = unsubscribe.unsubscribe_url(user=person, kind=unsubscribe.CHECKIN_REMINDER)
        # Same site, path, kind and signed person; the timestamp and signature after them.
        assert link.rsplit(":", 2)[0] == prefix.rsplit(":", 2)[0]
        kind, token = link.rstrip("/").split("/")[-2:]
        assert kind == unsubscribe.CHECKIN_REMINDER
        assert unsubscribe.unsubscribe_user(kind=kind, token=token) == person
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert plain.startswith(f"Hi {person.display_name},")
        assert link in plain and f'href="{link}"' in html
        assert "<script>" not in html


@pytest.mark.django_db
def test_claiming_more_occasions_than_one_statement_takes_logs_each_once():
    from accounts.delivery import claim_deliveries

    person = UserFactory()
    occasions = [(person.pk, "checkin_reminder", f"day-{n}", "email") for n in range(2500)]

    claimed = claim_deliveries(occasions)
    again = claim_deliveries(
        [
            *occasions[:10],
            (person.pk, "checkin_reminder", "day-new", "email"),
            (person.pk, "checkin_reminder", "day-1", "push"),  # the same occasion, by push
        ]
    )

    assert len(claimed) == 2500 and set(claimed) == set(occasions)
    assert EmailDelivery.objects.filter(recipient=person).count() == 2502
    assert sorted(again) == [  # only the new ones
        (person.pk, "checkin_reminder", "day-1", "push"),
        (person.pk, "checkin_reminder", "day-new", "email"),
    ]
