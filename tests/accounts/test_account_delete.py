import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from careteam.access import grant_for
from careteam.models import AccessEvent, Share
from journal.access import Scope
from journal.models import Activity, CheckIn, QuestionnaireResponse, Signal, WeeklySummary
from journal.signals import trends_refresh as patient_trends_refresh
from journal.weekly import weekly_summaries_rebuild
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    daily_history,
    reauthenticate,
    scored_questionnaire,
)
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def delete(client, **data):
    return client.post(reverse("account_delete"), data)


def test_deleting_takes_the_whole_journal_and_nobody_elses(
    reauthenticated_client, patient, other_patient, clinician
):

    daily_history(patient, days=10, end=DAY)
    CheckIn.objects.filter(patient=patient).first().tags_add(
        Activity.objects.create(owner=patient, name="Sea swim")
    )
    scored_questionnaire(patient, "phq9", 16, DAY)
    share = ShareFactory(patient=patient)
    MembershipFactory(team=share.team, user=clinician)
    grant_for(clinician, patient.public_id, need=Scope.TRENDS, what="trends")
    daily_history(other_patient, days=3, end=DAY)
    weekly_summaries_rebuild()
    assert WeeklySummary.objects.filter(patient=patient).exists()

    response = delete(reauthenticated_client, confirm="on")

    assert response.status_code == 200
    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(pk=patient.pk).exists()
    for model in (CheckIn, QuestionnaireResponse, WeeklySummary, Share, AccessEvent):
        assert not model.objects.filter(patient_id=patient.pk).exists(), model.__name__
    assert CheckIn.objects.filter(patient=other_patient).count() == 3
    assert User.objects.filter(pk=clinician.pk).exists()
    # Signed out: the next page asks them to sign in.
    assert reauthenticated_client.get(reverse("profile_settings")).status_code == 302


def test_without_the_box_ticked_nothing_is_deleted(reauthenticated_client, patient):
    CheckInFactory(patient=patient, day=DAY)

    response = delete(reauthenticated_client)

    assert response.status_code == 200  # the page again, as every form here does
    assert "Tick the box to say you understand" in response.content.decode()
    assert CheckIn.objects.filter(patient=patient).exists()


def test_the_password_is_asked_again_first(client, patient):
    client.force_login(patient)

    response = delete(client, confirm="on")

    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    assert User.objects.filter(pk=patient.pk).exists()


def test_the_page_is_kind_and_offers_the_download_first(reauthenticated_client):
    page = reauthenticated_client.get(reverse("account_delete")).content.decode()
    assert "can't be undone" in page
    assert reverse("data_export") in page and reverse("need_help_now") in page
    settings_page = reauthenticated_client.get(reverse("profile_settings")).content.decode()
    assert reverse("account_delete") in settings_page


def test_care_team_accounts_are_removed_by_an_admin_not_here(client, clinician):
    client.force_login(clinician)
    reauthenticate(client)
    assert delete(client, confirm="on").status_code == 404
    assert User.objects.filter(pk=clinician.pk).exists()


def test_a_refresh_queued_before_the_deletion_finds_nothing_to_do(patient):
    CheckInFactory(patient=patient, day=DAY, mood=1)
    patient_id = patient.pk
    patient.delete()

    patient_trends_refresh(patient_id=patient_id, day=DAY)

    assert not WeeklySummary.objects.filter(patient_id=patient_id).exists()
    assert not Signal.objects.filter(patient_id=patient_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_summary_written_during_the_deletion_stops_it_whole_and_says_try_again(
    reauthenticated_client, patient
):
    """The race account_delete's docstring promises about: the weekly job commits a summary
    row for this person after the deletion has removed their summaries but before it removes
    the account. The foreign key fails the deletion at commit; nothing is half deleted."""
    require_postgres()
    daily_history(patient, days=10, end=DAY)
    weekly_summaries_rebuild()
    checkins = CheckIn.objects.filter(patient=patient).count()
    summaries = WeeklySummary.objects.filter(patient=patient).count()
    raced = []

    def job_writes_a_week():  # on a connection of its own, as the Celery worker's
        try:
            WeeklySummary.objects.create(
                patient_id=patient.pk,
                week_start=DAY + dt.timedelta(weeks=5),
                days_logged=1,
                computed_at=timezone.now(),
            )
        finally:
            connection.close()

    deleting_the_account = 'DELETE FROM "%s"' % User._meta.db_table  # noqa: S608, UP031 - a prefix to match

    def race_before_the_account_goes(execute, sql, params, many, context):
        if not raced and sql.startswith(deleting_the_account):
            raced.append(sql)
            worker = threading.Thread(target=job_writes_a_week)
            worker.start()
            worker.join()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(race_before_the_account_goes):
        response = delete(reauthenticated_client, confirm="on")

    assert raced  # the job did write in the middle of the deletion
    assert response.status_code == 200
    assert "Nothing was deleted" in response.content.decode()
    assert User.objects.filter(pk=patient.pk).exists()
    assert CheckIn.objects.filter(patient=patient).count() == checkins
    # Their summaries are all back (the deletion rolled back), plus the one the job wrote.
    assert WeeklySummary.objects.filter(patient=patient).count() == summaries + 1
    assert reauthenticated_client.get(reverse("profile_settings")).status_code == 200
