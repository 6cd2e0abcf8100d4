"""Care-team pages and the patient's sharing pages. HTTP only: the rules live in access.py,
services.py, invitations.py and selectors.py.

Every page that shows a patient's data to someone else gets a grant from `access.grant_for`
(a refusal is a 404, and the look is logged), reads through it, and is `never_cache`, so a
revoked share is refused on the very next request, back button and shared caches included.
"""

from functools import wraps
from uuid import UUID

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import patient_required
from accounts.ratelimit import parse_rates, retry_after
from accounts.trusted import live_devices
from journal.access import Grant, Scope
from journal.charts.page import trends_context
from journal.models import Instrument
from journal.report.build import report_for
from journal.report.services import report_for_grant, shared_reports

from . import invitations, outreach, rhythms, selectors, services
from .access import grant_for, log_also, log_caseload_look, log_dashboard_look
from .access_log import who_viewed
from .caseload import caseload
from .forms import (
    ContactDetailsForm,
    JoinCodeForm,
    MemberInviteForm,
    OutreachForm,
    RhythmForm,
    ScopeForm,
    scope_initial,
)
from .invitations import MEMBER_INVITATION_SESSION_KEY
from .models import CareTeam, ContactDetails, Membership, Share


def care_member_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_care_member:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def patient_pages_limited(view):
    """At most CARE_PATIENT_PAGES_RATE_LIMIT requests per account to the pages about one
    patient (/care/patients/...); beyond it a 429 page, and nothing is looked up or logged.
    Normal work stays far below it; a script walking ids, or filling a patient's "Who viewed my
    data" with refused looks, is stopped within a minute."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        wait = retry_after(
            name="care-patient-pages",
            who=request.user.pk,
            rates=parse_rates(settings.CARE_PATIENT_PAGES_RATE_LIMIT),
        )
        if wait:
            response = render(request, "429.html", {"retry_after": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _apply_service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- The care team's side ----------------------------------------------------------------------


@never_cache
@care_member_required
def dashboard(request):
    rows = selectors.dashboard_rows(viewer=request.user)
    log_dashboard_look(request.user)
    admin_teams = CareTeam.objects.filter(
        memberships__user=request.user, memberships__role=Membership.Role.TEAM_ADMIN
    ).order_by("name")
    return render(request, "careteam/dashboard.html", {"rows": rows, "admin_teams": admin_teams})


@never_cache
@care_member_required
def caseload_figures(request):
    """Treatment-course figures across the patients who share trends with the viewer's teams,
    each linking to the patients behind it. A fixed number of queries (careteam/caseload.py)."""
    figures = caseload(viewer=request.user)
    log_caseload_look(request.user)
    return render(request, "careteam/caseload.html", {"caseload": figures})


def _grant_for_team(request, public_id: UUID, *, need: Scope, what: str) -> Grant:
    """The grant for a care-team page. Asked of access.py first, so every attempt by someone
    other than the patient is logged (a patient poking at another's id included); the patient
    themself gets a 404 too: these pages are the team's view, their own pages are elsewhere."""
    grant = grant_for(request.user, public_id, need=need, what=what)
    if not request.user.is_care_member:
        raise Http404
    return grant


def _rhythm_initial(grant: Grant) -> dict:
    current = rhythms.team_rhythms(grant=grant)
    phq9, gad7 = current.get(Instrument.PHQ9), current.get(Instrument.GAD7)
    return {
        "phq9_every_days": phq9.every_days if phq9 else None,
        "gad7_every_days": gad7.every_days if gad7 else None,
        "gad7_before_session": bool(gad7 and gad7.before_session),
    }


def _patient_page(
    request, grant: Grant, *, outreach_form=None, rhythm_form=None, status: int = 200
):
    """The team's page about one patient: how to reach them (if they share it), warning signs
    in the team's words with who reached out, the outreach record, charts and recent entries."""
    patient = grant.patient
    data = selectors.patient_trends(grant=grant)
    outreach_records = outreach.team_outreach(grant=grant)
    contact = None
    if grant.allows(Scope.CONTACT):
        contact = outreach.contact_for(grant=grant)
        if contact is not None:
            log_also(grant, what="contact")
    cards = selectors.team_cards(
        signals=data.signals, outreach=outreach_records, today=patient.today()
    )
    return render(
        request,
        "careteam/patient_trends.html",
        {
            # The same charts the patient sees, read-only (no notes are in them).
            **trends_context(grant, request.GET.get("range")),
            "patient": patient,
            "data": data,
            "reports": shared_reports(grant),
            "cards": cards,
            "waiting": any(card.waiting for card in cards),
            "sees_contact": grant.allows(Scope.CONTACT),
            "contact": contact,
            "outreach_records": outreach_records,
            "outreach_form": outreach_form
            or OutreachForm(initial={"at": timezone.localtime().replace(second=0, microsecond=0)}),
            "rhythm_form": rhythm_form or RhythmForm(initial=_rhythm_initial(grant)),
            **_tabs(grant, "trends"),
        },
        status=status,
    )


@never_cache
@login_required
@patient_pages_limited
def patient_report(request, public_id: UUID, report: UUID):
    """An appointment report the patient shares, as they see it, to read or print."""
    grant = _grant_for_team(request, public_id, need=Scope.TRENDS, what="report")
    saved = report_for_grant(grant, report)
    return render(
        request,
        "careteam/patient_report.html",
        {
            "patient": grant.patient,
            "saved": saved,
            "report": report_for(grant.patient, saved.start, saved.end),
            **_tabs(grant, "trends"),
        },
    )


def _tabs(grant: Grant, tab: str) -> dict:
    return {
        "sees_notes": grant.allows(Scope.NOTES),
        "sees_plan": grant.allows(Scope.SAFETY_PLAN),
        "sees_clinic_entries": grant.allows(Scope.CLINIC_ENTRIES),
        "tab": tab,
    }


@never_cache
@login_required
@patient_pages_limited
def patient_trends(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.TRENDS, what="trends")
    return _patient_page(request, grant)


@never_cache
@require_POST
@login_required
@patient_pages_limited
def outreach_record(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.TRENDS, what="outreach")
    form = OutreachForm(request.POST)
    if form.is_valid():
        try:
            outreach.outreach_record(grant=grant, **form.cleaned_data)
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(
                request,
                "Recorded. Your team sees it here; the patient sees that you reached out, "
                "never your note.",
            )
            return redirect("careteam:patient", public_id=grant.patient.public_id)
    return _patient_page(request, grant, outreach_form=form, status=400)


@never_cache
@require_POST
@login_required
@patient_pages_limited
def questionnaire_rhythm(request, public_id: UUID):
    """The team sets how often this patient is asked for the PHQ-9 and GAD-7."""
    grant = _grant_for_team(request, public_id, need=Scope.TRENDS, what="questionnaire_rhythm")
    form = RhythmForm(request.POST)
    if not form.is_valid():
        return _patient_page(request, grant, rhythm_form=form, status=400)
    data = form.cleaned_data
    rhythms.rhythm_set(
        grant=grant,
        instrument=Instrument.PHQ9,
        every_days=data["phq9_every_days"],
        before_session=False,
    )
    rhythms.rhythm_set(
        grant=grant,
        instrument=Instrument.GAD7,
        every_days=data["gad7_every_days"],
        before_session=data["gad7_before_session"],
    )
    messages.success(
        request, "Saved. The patient sees that your team asked for this, and when it is due."
    )
    return redirect("careteam:patient", public_id=grant.patient.public_id)


@never_cache
@login_required
@patient_pages_limited
def patient_notes(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.NOTES, what="notes")
    return render(
        request,
        "careteam/patient_notes.html",
        {
            "patient": grant.patient,
            "data": selectors.patient_notes(grant=grant),
            **_tabs(grant, "notes"),
        },
    )


@never_cache
@require_POST
@login_required
@patient_pages_limited
def signal_acknowledge(request, public_id: UUID, signal_id: int):
    grant = _grant_for_team(request, public_id, need=Scope.TRENDS, what="signal_ack")
    patient = grant.patient
    if services.signal_acknowledge(patient=patient, signal_id=signal_id, by=request.user):
        messages.success(request, "Marked as seen. Your team can see who acknowledged it.")
    else:
        # Already acknowledged by a colleague, or not this patient's signal: nothing changes.
        messages.info(request, "This was already marked as seen.")
    return redirect("careteam:patient", public_id=patient.public_id)


@never_cache
@care_member_required
def team(request, team_id: int):
    """A team admin's page: members, inviting colleagues, and single-use links for patients."""
    team = CareTeam.objects.filter(
        pk=team_id,
        memberships__user=request.user,
        memberships__role=Membership.Role.TEAM_ADMIN,
    ).first()
    if team is None:
        raise Http404
    form = MemberInviteForm(request.POST or None)
    patient_link = None
    if request.method == "POST" and request.POST.get("action") == "patient_link":
        _, token = invitations.patient_invitation_create(team=team, inviter=request.user)
        patient_link = request.build_absolute_uri(
            reverse("careteam:patient_invitation", kwargs={"token": token})
        )
        form = MemberInviteForm()
    elif request.method == "POST" and form.is_valid():
        try:
            invitations.member_invite(
                team=team,
                inviter=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("careteam:team", team_id=team.pk)
    members = team.memberships.select_related("user").order_by("user__email")
    return render(
        request,
        "careteam/team.html",
        {"team": team, "members": members, "form": form, "patient_link": patient_link},
    )


@never_cache
def member_invitation(request, token: str):
    """Public: the invitee may not have an account yet. Shows only the team's name, never the
    address the invitation was sent to (the link may be in the wrong hands)."""
    invitation = invitations.invitation_for_token(token)
    if invitation is None or invitation.kind != "member":
        return render(request, "careteam/invitation_unusable.html", status=404)
    if not request.user.is_authenticated:
        # Signup reads this (careteam/wiring.py) to make the new account a care-team member.
        request.session[MEMBER_INVITATION_SESSION_KEY] = token
        return render(
            request, "careteam/member_invitation.html", {"invitation": invitation, "token": token}
        )
    if request.method == "POST":
        try:
            invitations.invitation_accept_member(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("careteam:invitation", token=token)
        messages.success(request, f"You are now a member of {invitation.team.name}.")
        return redirect("careteam:dashboard")
    return render(
        request,
        "careteam/member_invitation.html",
        {
            "invitation": invitation,
            "token": token,
            "for_someone_else": not invitations.invitation_is_for(invitation, request.user.email),
        },
    )


# --- The patient's side: consent -----------------------------------------------------------------


def _sharing_page(request, *, join_form=None, bound_share_form=None, contact_form=None, status=200):
    shares = list(
        Share.objects.filter(patient=request.user).select_related("team").order_by("-created_at")
    )
    active_ids = set(
        Share.objects.active().filter(patient=request.user).values_list("pk", flat=True)
    )
    bound_id, bound_form = bound_share_form or (None, None)
    active = [
        (
            share,
            bound_form
            if share.pk == bound_id
            else ScopeForm(
                initial={**scope_initial(Scope(share.scope)), "expires_on": share.expires_on},
                prefix=f"share{share.pk}",
            ),
        )
        for share in shares
        if share.pk in active_ids
    ]
    ended = [share for share in shares if share.pk not in active_ids]
    details = ContactDetails.objects.filter(patient=request.user).first()
    if contact_form is None:
        initial = {"phone": details.phone, "email": details.email} if details else {}
        contact_form = ContactDetailsForm(initial=initial, prefix="contact")
    return render(
        request,
        "careteam/sharing.html",
        {
            "active": active,
            "ended": ended,
            "join_form": join_form or JoinCodeForm(),
            "contact_form": contact_form,
            "contact": details,
            "contact_teams": [
                share.team.name for share, _ in active if Scope.CONTACT in Scope(share.scope)
            ],
        },
        status=status,
    )


@never_cache
@patient_required
def sharing(request):
    return _sharing_page(request)


# Not behind reauthentication: the details reach a team only through a share that includes
# "How to reach me", and widening a share to include it asks for the password. Clearing them
# must always be one step.
@never_cache
@require_POST
@patient_required
def contact_details(request):
    form = ContactDetailsForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            details = outreach.contact_details_save(
                patient=request.user,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(
                request,
                "Saved. Teams you let see how to reach you see these details from now on."
                if details
                else "Removed. No team can see a phone number or email for you now.",
            )
            return redirect("careteam:sharing")
    return _sharing_page(request, contact_form=form, status=400)


# Connecting lets a new team see the journal: ask for the password again first, so a phone left
# unlocked on a table cannot hand someone's journal to a stranger. allauth keeps the POST and
# replays it after the password is confirmed.
@never_cache
@require_POST
@patient_required
@reauthentication_required
def share_connect(request):
    form = JoinCodeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            share = services.share_connect_by_code(
                patient=request.user, code=data["code"], **form.choice()
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, f"You are now sharing with {share.team.name}.")
            return redirect("careteam:sharing")
    return _sharing_page(request, join_form=form)


def _update_widens(request) -> bool:
    """Used by the reauthentication check: only a change that shows more needs the password."""
    if request.method != "POST":
        return False
    # Resolved from the path: a request allauth replays after reauthentication has no
    # resolver_match of its own.
    share_id = resolve(request.path_info).kwargs["share_id"]
    share = Share.objects.active().filter(pk=share_id, patient=request.user).first()
    form = ScopeForm(request.POST, prefix=f"share{share_id}")
    if share is None or not form.is_valid():
        return False
    return services.share_widens(share=share, **form.choice())


@never_cache
@require_POST
@patient_required
@reauthentication_required(enabled=_update_widens)
def share_update(request, share_id: int):
    form = ScopeForm(request.POST, prefix=f"share{share_id}")
    if form.is_valid():
        try:
            share = services.share_update(patient=request.user, share_id=share_id, **form.choice())
        except ValidationError as error:
            if not Share.objects.active().filter(pk=share_id, patient=request.user).exists():
                raise Http404 from error
            _apply_service_error(form, error)
        else:
            messages.success(request, f"Saved. {share.team.name} sees the new choice from now on.")
            return redirect("careteam:sharing")
    if not Share.objects.active().filter(pk=share_id, patient=request.user).exists():
        raise Http404
    return _sharing_page(request, bound_share_form=(share_id, form))


# Deliberately NOT behind reauthentication: narrowing or ending consent must always be one step.
# A patient on a bad day, or who feels unsafe with what a team can see, has to be able to stop
# sharing at once, without remembering a password; stopping can never expose anything.
@never_cache
@require_POST
@patient_required
def share_revoke(request, share_id: int):
    share = Share.objects.filter(pk=share_id, patient=request.user).select_related("team").first()
    if share is None:
        raise Http404
    services.share_revoke(patient=request.user, share_id=share.pk)
    messages.success(
        request,
        f"You've stopped sharing with {share.team.name}. They can no longer see your journal.",
    )
    return redirect("careteam:sharing")


@never_cache
@patient_required
def patient_invitation(request, token: str):
    invitation = invitations.invitation_for_token(token)
    if invitation is None or invitation.kind != "patient":
        return render(request, "careteam/invitation_unusable.html", status=404)
    return render(
        request,
        "careteam/patient_invitation.html",
        {"invitation": invitation, "form": ScopeForm(), "token": token},
    )


@never_cache
@require_POST
@patient_required
@reauthentication_required
def patient_invitation_accept(request, token: str):
    invitation = invitations.invitation_for_token(token)
    if invitation is None or invitation.kind != "patient":
        return render(request, "careteam/invitation_unusable.html", status=404)
    form = ScopeForm(request.POST)
    if form.is_valid():
        try:
            share = invitations.invitation_accept_patient(
                token=token, patient=request.user, **form.choice()
            )
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(request, f"You are now sharing with {share.team.name}.")
            return redirect("careteam:sharing")
    return render(
        request,
        "careteam/patient_invitation.html",
        {"invitation": invitation, "form": form, "token": token},
    )


@never_cache
@patient_required
def access_log(request):
    views, refusals = who_viewed(
        patient=request.user,
        views_page=request.GET.get("page"),
        refused_page=request.GET.get("refused_page"),
    )
    context = {
        "views": views,
        "refusals": refusals,
        "trusted_devices": live_devices(request.user, request.session),
    }
    return render(request, "careteam/access_log.html", context)
