import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from careteam.access_log import LINES_PER_PAGE
from careteam.models import AccessEvent
from journal.care import care_teams
from tests.factories import CareUserFactory, MembershipFactory, ShareFactory, UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def event(viewer, patient, at, *, what="trends", allowed=True):
    """A line as the access door writes it, at a chosen time."""
    return AccessEvent(
        viewer=viewer,
        viewer_role=viewer.role,
        viewer_name=viewer.display_name,
        viewer_email=viewer.email,
        patient=patient,
        what=what,
        allowed=allowed,
        at=at,
    )


def look(client, viewer, patient, what="trends"):
    client.force_login(viewer)
    url_name = "careteam:patient_notes" if what == "notes" else "careteam:patient"
    return client.get(reverse(url_name, kwargs={"public_id": patient.public_id}))


def test_the_patient_reads_who_viewed_their_data_in_plain_words(client, world):
    look(client, world.clinician, world.patient)
    look(client, world.out_of_scope, world.patient, what="notes")  # refused: notes not shared
    client.force_login(world.patient)

    body = client.get(reverse("careteam:access_log")).content.decode()

    clinician_line = f"{world.clinician.display_name} ({world.clinician.email}), care-team member"
    assert clinician_line in body
    assert f"at {world.team_a.name}" in body
    assert "viewed your check-in numbers, questionnaires and sessions,\n        once, at" in body
    assert "tried to open your daily notes and session insights and was refused" in body
    views, refused = body.split('id="refused-heading"')
    assert clinician_line in views and world.out_of_scope.email not in views
    assert world.out_of_scope.email in refused and clinician_line not in refused


def test_the_patient_does_not_log_their_own_looks(client, world):
    client.force_login(world.patient)
    client.get(reverse("careteam:sharing"))
    client.get(reverse("careteam:access_log"))
    assert not AccessEvent.objects.exists()


def test_who_viewed_costs_the_same_queries_for_a_long_log(
    client, world, django_assert_max_num_queries
):
    start = timezone.now() - dt.timedelta(days=90)
    AccessEvent.objects.bulk_create(
        [
            event(v, world.patient, start + dt.timedelta(hours=7 * i), allowed=i % 5 != 0)
            for i in range(300)
            for v in (world.clinician, world.out_of_scope, world.revoked)
        ]
    )
    client.force_login(world.patient)
    client.get(reverse("careteam:sharing"))  # the session's first refresh is written here

    # Session and user; one grouped pass over the log; the teams of everyone on both pages;
    # the person's remembered devices ("Where you stay signed in").
    with django_assert_max_num_queries(5):
        response = client.get(reverse("careteam:access_log"))
    with django_assert_max_num_queries(5):
        client.get(reverse("careteam:access_log"), {"page": 3, "refused_page": 2})

    assert response.content.decode().count('class="access-line"') == 2 * LINES_PER_PAGE


def test_the_app_cannot_change_or_delete_a_line_through_the_orm(world):
    event = AccessEvent.objects.create(
        viewer=world.clinician, viewer_role="care", patient=world.patient, what="x", allowed=True
    )
    event.allowed = False
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(pk=event.pk).update(allowed=False)
    with pytest.raises(PermissionError):
        AccessEvent.objects.all().delete()
    assert AccessEvent.objects.get(pk=event.pk).allowed is True


def test_the_database_refuses_update_and_delete_sent_as_sql(world):
    require_postgres()
    event = AccessEvent.objects.create(
        viewer=world.clinician, viewer_role="care", patient=world.patient, what="x", allowed=True
    )
    for sql in (
        "UPDATE careteam_accessevent SET allowed = false WHERE id = %s",
        "UPDATE careteam_accessevent SET viewer_id = NULL WHERE id = %s",
        "UPDATE careteam_accessevent SET viewer_name = 'Someone else' WHERE id = %s",
        "UPDATE careteam_accessevent "
        "SET viewer_id = NULL, viewer_name = '', viewer_email = NULL WHERE id = %s",
        "DELETE FROM careteam_accessevent WHERE id = %s",
    ):
        with (
            pytest.raises((InternalError, ProgrammingError, IntegrityError)) as raised,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
        assert "append-only" in str(raised.value)
    row = AccessEvent.objects.values_list("allowed", "viewer_id").get(pk=event.pk)
    assert row == (True, world.clinician.pk)


def test_deleting_a_patient_account_still_works_and_takes_their_log_with_it(client, world):
    look(client, world.clinician, world.patient)
    kept = AccessEvent.objects.create(
        viewer=world.clinician,
        viewer_role="care",
        patient=world.other_patient,
        what="trends",
        allowed=False,
    )

    world.patient.delete()

    assert not User.objects.filter(pk=world.patient.pk).exists()
    assert list(AccessEvent.objects.values_list("pk", flat=True)) == [kept.pk]


def test_deleting_a_clinician_account_keeps_the_look_and_forgets_the_person(client, world):
    look(client, world.clinician, world.patient)

    world.clinician.delete()

    event = AccessEvent.objects.get(patient=world.patient)
    assert (event.viewer_id, event.viewer_role, event.allowed) == (None, "care", True)
    assert (event.viewer_name, event.viewer_email) == ("", None)  # forgotten with the account
    client.force_login(world.patient)
    body = client.get(reverse("careteam:access_log")).content.decode()
    assert "A person whose account has since been deleted" in body


def test_admins_see_the_log_read_only(client, world):
    admin = CareUserFactory(is_staff=True, is_superuser=True)
    look(client, world.clinician, world.patient)
    event = AccessEvent.objects.get()
    client.force_login(admin)

    listing = client.get(reverse("admin:careteam_accessevent_changelist"))
    assert listing.status_code == 200
    assert world.patient.email in listing.content.decode()
    assert client.get(reverse("admin:careteam_accessevent_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:careteam_accessevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    detail = client.post(
        reverse("admin:careteam_accessevent_change", args=[event.pk]), {"allowed": ""}
    )
    assert detail.status_code in (200, 403)
    assert AccessEvent.objects.get().allowed is True


def test_an_unknown_patient_id_is_a_404_and_logs_nothing(client, clinician):
    ShareFactory(patient=UserFactory(), team=MembershipFactory(user=clinician).team)
    client.force_login(clinician)

    response = client.get(reverse("careteam:patient", kwargs={"public_id": uuid.uuid4()}))

    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


# --- Reading like a diary -------------------------------------------------------------------------

LINE = 'class="access-line"'
LONDON = ZoneInfo("Europe/London")  # the world patient's time zone


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


def who_viewed_page(client, patient, **params) -> tuple[str, str]:
    """The patient's page, split into its views and its refused attempts."""
    client.force_login(patient)
    body = client.get(reverse("careteam:access_log"), params).content.decode()
    views, refused = body.split('id="refused-heading"')
    return views, refused


def test_one_persons_looks_on_one_day_collapse_into_one_line_with_a_count_and_times(client, world):
    AccessEvent.objects.bulk_create(
        [
            event(world.clinician, world.patient, london(3, 9, 2), what="dashboard"),
            event(world.clinician, world.patient, london(3, 11, 30)),
            event(world.clinician, world.patient, london(3, 17, 40), what="dashboard"),
            event(world.clinician, world.patient, london(3, 12), what="notes", allowed=False),
            event(world.clinician, world.patient, london(3, 12, 5), what="notes", allowed=False),
            event(world.clinician, world.patient, london(4, 8, 15)),
            event(world.out_of_scope, world.patient, london(3, 10)),
        ]
    )

    views, refused = who_viewed_page(client, world.patient)

    assert views.count(LINE) == 3  # 3 June for each person, and 4 June
    assert (
        "viewed your summary (scores, mood line, warning signs) on their dashboard; and your "
        "check-in numbers, questionnaires and sessions,\n        3 times, from "
        '<time datetime="2026-06-03T09:02:00+01:00">09:02</time> to '
        '<time datetime="2026-06-03T17:40:00+01:00">17:40</time>.'
    ) in views
    assert "4 June 2026</time></strong>:" in views and "once, at <time" in views
    assert refused.count(LINE) == 1
    assert "2 times, from" in refused and ">12:00</time> to <time" in refused
    assert AccessEvent.objects.count() == 7  # collapsed when read, never merged in the table


def test_the_day_is_the_patients_own_day(client, world):
    # 23:30 and 00:30 London time are two days for the patient, though 22:30 and 23:30 UTC.
    AccessEvent.objects.bulk_create(
        [
            event(world.clinician, world.patient, london(3, 23, 30)),
            event(world.clinician, world.patient, london(4, 0, 30)),
            event(world.clinician, world.patient, london(4, 23, 50)),
        ]
    )
    assert london(4, 0, 30).astimezone(dt.UTC).day == 3

    views, _ = who_viewed_page(client, world.patient)

    assert views.count(LINE) == 2
    assert "3 June 2026" in views and "4 June 2026" in views
    assert "2 times, from" in views and ">00:30</time> to <time" in views


def test_refused_looks_by_accounts_outside_care_teams_are_not_shown_to_the_patient(client, world):
    prober = world.other_patient
    prober.display_name = "Your Care Team Admin"  # a name of the prober's own choosing
    prober.save(update_fields=["display_name"])
    client.force_login(prober)
    for _ in range(30):
        client.get(reverse("careteam:patient", kwargs={"public_id": world.patient.public_id}))
    look(client, world.unshared, world.patient)  # a care-team member's refusal: shown

    views, refused = who_viewed_page(client, world.patient)

    assert AccessEvent.objects.filter(viewer=prober, allowed=False).count() == 30  # kept
    assert "Your Care Team Admin" not in views + refused
    assert prober.email not in views + refused
    assert "another patient" not in views + refused
    assert world.unshared.email in refused
    assert "once, at" in refused


def test_admins_see_the_hidden_refusals_with_a_count(client, world):
    client.force_login(world.other_patient)
    for _ in range(4):
        client.get(reverse("careteam:patient", kwargs={"public_id": world.patient.public_id}))
    look(client, world.unshared, world.patient)
    look(client, world.clinician, world.patient)
    client.force_login(CareUserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:careteam_accessevent_changelist")).content.decode()
    hidden = client.get(
        reverse("admin:careteam_accessevent_changelist"), {"kind": "hidden"}
    ).content.decode()

    assert "Refused, outside care teams (not shown to the patient) (4)" in listing
    assert "Refused, care-team member (1)" in listing
    assert "Allowed (1)" in listing
    assert hidden.count(world.other_patient.email) >= 4
    assert world.unshared.email not in hidden


def test_the_name_and_address_are_kept_as_they_were_when_the_look_happened(client, world):
    old_line = f"{world.clinician.display_name} ({world.clinician.email})"
    look(client, world.clinician, world.patient)
    client.get(reverse("careteam:dashboard"))
    world.clinician.display_name = "Someone Else Entirely"
    world.clinician.email = "renamed@elsewhere.test"
    world.clinician.save(update_fields=["display_name", "email"])

    views, _ = who_viewed_page(client, world.patient)
    exported = care_teams().export_sections(world.patient)["who_viewed_my_data"]

    assert old_line in views
    assert "Someone Else Entirely" not in views and "renamed@elsewhere.test" not in views
    assert {line["who"] for line in exported} == {old_line}
    assert AccessEvent.objects.filter(viewer_email=world.clinician.email).count() == 0


def test_a_line_written_before_names_were_kept_shows_the_current_name(client, world):
    AccessEvent.objects.create(
        viewer=world.clinician,
        viewer_role="care",
        patient=world.patient,
        what="trends",
        allowed=True,
    )

    views, _ = who_viewed_page(client, world.patient)

    assert f"{world.clinician.display_name} ({world.clinician.email})" in views


def lines(html: str) -> list[str]:
    return re.findall(r'<li class="access-line">(.*?)</li>', html, re.S)


def test_views_and_refusals_page_separately(client, world):
    start = london(1, 12)
    AccessEvent.objects.bulk_create(
        [event(world.clinician, world.patient, start - dt.timedelta(days=d)) for d in range(30)]
        + [
            event(world.unshared, world.patient, start - dt.timedelta(days=d), allowed=False)
            for d in range(27)
        ]
    )

    first_views, first_refused = who_viewed_page(client, world.patient)
    second_views, first_refused_again = who_viewed_page(client, world.patient, page=2)
    _, second_refused = who_viewed_page(client, world.patient, page=2, refused_page=2)

    assert first_views.count(LINE) == LINES_PER_PAGE and "1 June 2026" in first_views
    assert second_views.count(LINE) == 30 - LINES_PER_PAGE and "3 May 2026" in second_views
    assert "Page 2 of 2" in second_views
    assert first_refused.count(LINE) == LINES_PER_PAGE
    assert lines(first_refused_again) == lines(first_refused)  # views' pages leave these alone
    assert second_refused.count(LINE) == 27 - LINES_PER_PAGE
    assert "?page=2&amp;refused_page=1" in second_refused  # "Newer" keeps the views' page


def test_the_download_keeps_every_line(client, world):
    client.force_login(world.clinician)
    for _ in range(3):
        client.get(reverse("careteam:dashboard"))
    look(client, world.clinician, world.patient)
    look(client, world.other_patient, world.patient)  # hidden on the page, kept here

    exported = care_teams().export_sections(world.patient)["who_viewed_my_data"]

    assert len(exported) == 5 == AccessEvent.objects.filter(patient=world.patient).count()
    assert [line["allowed"] for line in exported].count(False) == 1
    assert exported[0]["who"].endswith(f"({world.other_patient.email})")


def test_a_look_at_a_part_with_no_words_of_its_own_is_still_counted(client, world):
    AccessEvent.objects.bulk_create(
        [
            event(world.clinician, world.patient, london(3, 9), what="old_page_key"),
            event(world.clinician, world.patient, london(3, 10), what="notes"),
        ]
    )

    views, _ = who_viewed_page(client, world.patient)
    exported = care_teams().export_sections(world.patient)["who_viewed_my_data"]

    assert "viewed your daily notes and session insights; and other parts of your journal," in views
    assert "2 times" in views
    assert {line["what"] for line in exported} == {
        "old_page_key",
        "your daily notes and session insights",
    }
