import uuid

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse

from accounts.models import User
from careteam.models import AccessEvent
from tests.factories import CareUserFactory, MembershipFactory, ShareFactory, UserFactory
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


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
    assert "viewed your check-in numbers, questionnaires and sessions." in body
    assert "tried to open your daily notes and session insights and was refused" in body


def test_the_patient_does_not_log_their_own_looks(client, world):
    client.force_login(world.patient)
    client.get(reverse("careteam:sharing"))
    client.get(reverse("careteam:access_log"))
    assert not AccessEvent.objects.exists()


def test_who_viewed_costs_the_same_queries_for_a_long_log(
    client, world, django_assert_max_num_queries
):
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                viewer=v, viewer_role="care", patient=world.patient, what="trends", allowed=True
            )
            for v in (world.clinician, world.out_of_scope, world.revoked) * 200
        ]
    )
    client.force_login(world.patient)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("careteam:access_log"))

    assert response.content.decode().count("<li>") >= 200


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
