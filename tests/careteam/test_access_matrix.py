"""The access matrix: every URL that takes an id, called as every kind of person.

How to add a URL (for example a journal page with a path parameter):

    MATRIX["journal:checkin_edit"] = Entry(
        kwargs=lambda w: {"day": w.checkin.day.isoformat()},
        allowed={OWNER},               # who gets the page (everyone else gets 404 / login)
        method="get",                  # or "post" with data=lambda w: {...}
    )

`w` is the `World` from tests/careteam/conftest.py: the patient with a check-in, a session,
a questionnaire and a signal, and the people who try to look. If your page needs another
object, create it in the `kwargs` callable from `w.patient` (it runs inside the test).
`logs_access=True` (the default) also asserts that each signed-in person other than the
patient leaves exactly one AccessEvent: set it False for the patient's own pages (the patient
does not log themselves, and others are refused before access.py is asked) and for pages that
are not about one patient's data.

A URL with a path parameter that is neither in MATRIX nor in NOT_PATIENT_DATA fails
`test_every_url_with_a_path_parameter_is_in_the_matrix`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from careteam.models import (
    AccessEvent,
    ContactDetails,
    Invitation,
    Membership,
    Outreach,
    PlanSuggestion,
    Share,
)
from journal.models import (
    AppointmentReport,
    CheckIn,
    ImportJob,
    Medication,
    QuestionnaireResponse,
    SafetyPlan,
    Signal,
    TreatmentSession,
)

from .conftest import INSIGHT_MARKER, NOTE_MARKER, REASON_MARKER


def _medication(patient):
    return Medication.objects.create(
        patient=patient, name="Sertraline", started_on=dt.date(2026, 1, 5)
    )


OWNER = "owner"
OTHER_PATIENT = "other_patient"
CLINICIAN = "clinician"  # positive control: shared with every scope
OUT_OF_SCOPE = "out_of_scope"  # shared with trends only
UNSHARED = "unshared"
REVOKED = "revoked"
ANONYMOUS = "anonymous"
PERSONAS = [OWNER, OTHER_PATIENT, CLINICIAN, OUT_OF_SCOPE, UNSHARED, REVOKED, ANONYMOUS]


@dataclass(frozen=True)
class Entry:
    kwargs: Callable
    allowed: set = field(default_factory=set)
    method: str = "get"
    data: Callable | None = None
    logs_access: bool = True


MATRIX: dict[str, Entry] = {
    "session_edit": Entry(
        kwargs=lambda w: {"pk": w.session.pk}, allowed={OWNER}, logs_access=False
    ),
    "session_before": Entry(
        kwargs=lambda w: {"pk": w.session.pk}, allowed={OWNER}, logs_access=False
    ),
    "session_check": Entry(
        kwargs=lambda w: {"pk": w.session.pk}, allowed={OWNER}, logs_access=False
    ),
    "course_edit": Entry(
        kwargs=lambda w: {"pk": w.session.course_id}, allowed={OWNER}, logs_access=False
    ),
    "medication_edit": Entry(
        kwargs=lambda w: {"pk": _medication(w.patient).pk}, allowed={OWNER}, logs_access=False
    ),
    # An import's pages: the patient's own upload only (journal/imports/views.py).
    **{
        name: Entry(
            kwargs=lambda w: {"job": _import_job(w.patient).public_id},
            allowed={OWNER},
            logs_access=False,
        )
        for name in ("import_preview", "import_progress", "import_status")
    },
    "report": Entry(
        kwargs=lambda w: {"report": _report(w.patient).public_id},
        allowed={OWNER},
        logs_access=False,
    ),
    # A report the patient shares: teams that see their trends (both scopes include them).
    "careteam:patient_report": Entry(
        kwargs=lambda w: {
            "public_id": w.patient.public_id,
            "report": _report(w.patient).public_id,
        },
        allowed={CLINICIAN, OUT_OF_SCOPE},
    ),
    "careteam:patient": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id}, allowed={CLINICIAN, OUT_OF_SCOPE}
    ),
    "careteam:patient_notes": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id}, allowed={CLINICIAN}
    ),
    "careteam:signal_acknowledge": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id, "signal_id": w.signal.pk},
        allowed={CLINICIAN, OUT_OF_SCOPE},
        method="post",
    ),
    "careteam:outreach_record": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id},
        allowed={CLINICIAN, OUT_OF_SCOPE},  # the trends scope, the one warning signs come with
        method="post",
        data=lambda w: {
            "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "how": "phone",
            "outcome": "left_message",
            "note": "MARKER-OUTREACH-NOTE",
        },
    ),
    "careteam:questionnaire_rhythm": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id},
        allowed={CLINICIAN, OUT_OF_SCOPE},  # the trends scope, the one questionnaires come with
        method="post",
        data=lambda w: {"phq9_every_days": "7", "gad7_every_days": "", "gad7_before_session": ""},
    ),
    "careteam:patient_safety_plan": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id}, allowed={CLINICIAN}
    ),
    "careteam:plan_suggest": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id},
        allowed={CLINICIAN},
        method="post",
        data=lambda w: {"section": "warning_signs", "text": "MARKER-SUGGESTION"},
    ),
    # Clinic entries: the clinician's share has every scope, team B's trends only.
    "careteam:patient_clinic_entries": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id}, allowed={CLINICIAN}
    ),
    "careteam:clinic_check": Entry(
        kwargs=lambda w: {"public_id": w.patient.public_id, "pk": w.session.pk},
        allowed={CLINICIAN},
    ),
    # The patient's decision on their own team's suggestion.
    "plan_suggestion_decide": Entry(
        kwargs=lambda w: {"pk": _suggestion(w).pk},
        allowed={OWNER},
        method="post",
        data=lambda w: {"decision": "accept"},
        logs_access=False,
    ),
    # Only a team admin of that team; none of the personas is one.
    "careteam:team": Entry(kwargs=lambda w: {"team_id": w.team_a.pk}, logs_access=False),
    "careteam:share_update": Entry(
        kwargs=lambda w: {"share_id": w.share_a.pk},
        allowed={OWNER},
        method="post",
        # Narrowing (notes off): no reauthentication needed, so the owner's request goes through.
        data=lambda w: {
            f"share{w.share_a.pk}-scope_trends": "on",
            f"share{w.share_a.pk}-expires_on": "",
        },
        logs_access=False,
    ),
    "careteam:share_revoke": Entry(
        kwargs=lambda w: {"share_id": w.share_a.pk},
        allowed={OWNER},
        method="post",
        logs_access=False,
    ),
}


def _report(patient) -> AppointmentReport:
    """A shared appointment report over the last month, with words written for the team."""
    end = patient.today()
    return AppointmentReport.objects.create(
        patient=patient,
        start=end - dt.timedelta(days=29),
        end=end,
        talk_about="MARKER-TALK-sleeping-again",
        shared=True,
    )


def _import_job(patient) -> ImportJob:
    """An uploaded Daylio file waiting for its preview."""
    csv = (
        "full_date,date,weekday,time,mood,activities,note\n"
        "2026-03-01,March 1,Sunday,9:00 PM,good,,\n"
    )
    return ImportJob.objects.create(
        patient=patient, source="daylio", payload=csv.encode(), days=1, file_name="d.csv"
    )


def _suggestion(world):
    return PlanSuggestion.objects.create(
        patient=world.patient,
        team=world.team_a,
        by=world.clinician,
        by_name="Dr Reyes",
        section="reasons_for_living",
        text="MARKER-SUGGESTION",
    )


# URLs that take a path parameter but show no patient's data, and why.
NOT_PATIENT_DATA = {
    # The parameter is a date or an instrument name, not an id: the page always shows the
    # signed-in patient's own data (pinned by test_own_day_pages_never_show_another_patient).
    "checkin_day": "a date; always the signed-in patient's own day",
    "questionnaire_fill": "an instrument name (phq9/gad7); always the signed-in patient's own",
    "careteam:invitation": "a random one-time token; shows a team name (test_invitations.py)",
    "careteam:patient_invitation": "a random one-time token; shows a team name",
    "careteam:patient_invitation_accept": "a random one-time token; POST creates a share",
    "notification_unsubscribe": "a signed token for one user and one email kind; it can only "
    "turn that email off and shows no data (tests/accounts/test_unsubscribe.py)",
    "account_confirm_email": "allauth: email confirmation key",
    "account_reset_password_from_key": "allauth: password reset key",
    "mfa_remove_webauthn": "allauth: the signed-in person's own passkeys only",
    "mfa_edit_webauthn": "allauth: the signed-in person's own passkeys only",
}
# Whole namespaces: Django admin (staff only, behind allauth's admin login; no journal models).
NOT_PATIENT_DATA_NAMESPACES = {"admin": "Django admin, staff only"}


def _urls_with_path_parameters(resolver=None, namespace="", inherited=False):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        has_params = inherited or pattern.pattern.regex.groups > 0
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _urls_with_path_parameters(pattern, ns, has_params)
        elif has_params:
            yield f"{namespace}{pattern.name or '<unnamed ' + str(pattern.pattern) + '>'}"


def test_every_url_with_a_path_parameter_is_in_the_matrix():
    missing = [
        name
        for name in _urls_with_path_parameters()
        if name not in MATRIX
        and name not in NOT_PATIENT_DATA
        and name.split(":")[0] not in NOT_PATIENT_DATA_NAMESPACES
    ]
    assert not missing, (
        f"URLs with a path parameter that the access matrix does not cover: {missing}. "
        "Add them to MATRIX (or, if they show no patient data, to NOT_PATIENT_DATA with a reason)."
    )


def test_the_matrix_lists_only_urls_that_exist():
    names = set(_urls_with_path_parameters())
    assert set(MATRIX) <= names
    assert set(NOT_PATIENT_DATA) <= names


def _person(world, persona):
    return {
        OWNER: world.patient,
        OTHER_PATIENT: world.other_patient,
        CLINICIAN: world.clinician,
        OUT_OF_SCOPE: world.out_of_scope,
        UNSHARED: world.unshared,
        REVOKED: world.revoked,
        ANONYMOUS: None,
    }[persona]


def _snapshot():
    """Everything a refused request must leave untouched."""
    return (
        list(Share.objects.order_by("pk").values_list()),
        list(Signal.objects.order_by("pk").values_list()),
        list(CheckIn.objects.order_by("pk").values_list()),
        list(TreatmentSession.objects.order_by("pk").values_list()),
        list(QuestionnaireResponse.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list()),
        list(Invitation.objects.order_by("pk").values_list()),
        list(Outreach.objects.order_by("pk").values_list()),
        list(ContactDetails.objects.order_by("pk").values_list()),
        list(PlanSuggestion.objects.order_by("pk").values_list()),
        list(SafetyPlan.objects.order_by("pk").values_list()),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_access_matrix(client, world, url_name, persona):
    entry = MATRIX[url_name]
    url = reverse(url_name, kwargs=entry.kwargs(world))
    person = _person(world, persona)
    if person is not None:
        client.force_login(person)
    before = _snapshot()
    events_before = AccessEvent.objects.count()

    send = client.post if entry.method == "post" else client.get
    response = send(url, entry.data(world) if entry.data else {})

    body = response.content.decode()
    if persona in entry.allowed:
        assert response.status_code in (200, 302), (url_name, persona, response.status_code)
        if response.status_code == 302:
            assert "/accounts/" not in response["Location"]  # went through, not to a login
        return

    if persona == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404, (url_name, persona, response.status_code)
    for secret in (
        "MARKER-TALK-sleeping-again",
        world.patient.email,
        world.patient.display_name,
        NOTE_MARKER,
        INSIGHT_MARKER,
        REASON_MARKER,
    ):
        assert secret not in body
    assert _snapshot() == before, "a refused request changed data"

    if entry.logs_access and person is not None and person != world.patient:
        events = AccessEvent.objects.filter(viewer=person, patient=world.patient)
        assert events.count() == 1
        assert events.get().allowed is False
    elif not entry.logs_access or person is None:
        assert AccessEvent.objects.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [CLINICIAN, OUT_OF_SCOPE])
def test_allowed_looks_are_logged_as_allowed(client, world, persona):
    person = _person(world, persona)
    client.force_login(person)

    response = client.get(
        reverse("careteam:patient", kwargs={"public_id": world.patient.public_id})
    )

    assert response.status_code == 200
    assert world.patient.display_name in response.content.decode()
    event = AccessEvent.objects.get(viewer=person, patient=world.patient)
    assert (event.allowed, event.what, event.viewer_role) == (True, "trends", "care")


@pytest.mark.parametrize("persona", [OTHER_PATIENT, CLINICIAN, UNSHARED])
def test_own_day_pages_never_show_another_patient(client, world, persona):
    CheckIn.objects.filter(pk=world.checkin.pk).update(note=f"{NOTE_MARKER} for the day")
    client.force_login(getattr(world, persona))

    day = client.get(reverse("checkin_day", kwargs={"day": world.checkin.day.isoformat()}))
    phq9 = client.get(reverse("questionnaire_fill", kwargs={"instrument": "phq9"}))

    for response in (day, phq9):
        assert NOTE_MARKER not in response.content.decode()
        assert world.patient.email not in response.content.decode()
    if persona == CLINICIAN:  # care-team accounts have no journal of their own
        assert day.status_code == 404


@pytest.mark.django_db
def test_patient_urls_name_the_patient_by_a_random_public_id_never_the_primary_key(client, world):
    url = reverse("careteam:patient", kwargs={"public_id": world.patient.public_id})
    assert url == f"/care/patients/{world.patient.public_id}/"
    assert world.patient.public_id.version == 4  # random, not derived from anything
    assert world.patient.public_id != world.other_patient.public_id
    client.force_login(world.clinician)

    for guess in (
        f"/care/patients/{world.patient.pk}/",
        f"/care/patients/{world.patient.pk}/notes/",
    ):
        assert client.get(guess).status_code == 404
    assert not AccessEvent.objects.exists()  # not even a refused look: nothing was looked up
    assert client.get(url).status_code == 200
