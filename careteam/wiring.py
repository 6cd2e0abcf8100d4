"""How the care-team app plugs into the layers below it. Connected once, at start-up, by
`CareteamConfig.ready()`.

Apps import downward only (accounts, then journal, then careteam), so the layers below never
name this app. They ask their questions through a port (`journal.care`) and announce what
happened through events (`accounts.events`, `journal.events`); this module answers and listens:

- the journal's access door, and the teams and records its pages and downloads show;
- a new warning sign: the alert emails to the patient's teams, after commit;
- a patient's new time zone: the end of each share they chose by date follows it;
- a signup that started from a care-team member invitation: a care-team account in that team
  (allauth's own `user_signed_up` signal).
"""

from typing import Any
from uuid import UUID

from allauth.account.signals import user_signed_up
from django.contrib import messages
from django.db import transaction

from accounts.events import time_zone_changed
from accounts.models import User
from config.enqueue import enqueue_on_commit
from journal import care
from journal.access import Grant, Scope, scope_labels
from journal.care import FollowUp, PlanSuggestion, Rhythm, TeamContact
from journal.events import warning_raised
from journal.tabular import Column, Table

from . import access, invitations, outreach, plan_suggestions
from .access_log import every_line
from .invitations import MEMBER_INVITATION_SESSION_KEY
from .models import ContactDetails, Invitation, QuestionnaireRhythm, Share
from .services import share_ends_follow_time_zone
from .tasks import alert_care_teams_about_signal


class CareTeamsForTheJournal:
    """The answers to `journal.care.CareTeams`."""

    def grant(self, viewer: Any, public_id: UUID, *, need: Scope, what: str) -> Grant:
        return access.grant_for(viewer, public_id, need=need, what=what)

    def team_contacts(self, patient: User) -> list[TeamContact]:
        shares = Share.objects.active().filter(patient=patient).select_related("team")
        return [TeamContact(s.team.name, s.team.crisis_note) for s in shares]

    def questionnaire_rhythms(self, patient_ids: list[int]) -> dict[tuple[int, str], Rhythm]:
        rows = QuestionnaireRhythm.objects.filter(
            share__in=Share.objects.active().covering(Scope.TRENDS),
            share__patient_id__in=patient_ids,
        ).values_list(
            "share__patient_id", "instrument", "every_days", "before_session", "share__team__name"
        )
        found: dict[tuple[int, str], Rhythm] = {}
        for patient_id, instrument, every_days, before_session, team in rows:
            was = found.get((patient_id, instrument), Rhythm())
            days = [d for d in (was.every_days, every_days) if d is not None]
            found[patient_id, instrument] = Rhythm(
                every_days=min(days) if days else None,
                before_session=was.before_session or before_session,
                teams=tuple(sorted({*was.teams, team})),
            )
        return found

    def pre_session_checklist(self, patient: User) -> tuple[str, list[str]] | None:
        team = (
            Share.objects.active()
            .filter(patient=patient)
            .exclude(team__pre_session_checklist="")
            .select_related("team")
            .order_by("team__name")
            .first()
        )
        if team is None:
            return None
        items = [line.strip() for line in team.team.pre_session_checklist.splitlines()]
        return team.team.name, [item for item in items if item]

    def export_sections(self, patient: User) -> dict[str, list[dict[str, Any]]]:
        shares = Share.objects.filter(patient=patient).select_related("team").order_by("created_at")
        return {
            "shares": [
                {
                    "team": s.team.name,
                    "what_the_team_sees": scope_labels(Scope(s.scope)),
                    "shared_at": s.created_at,
                    "last_day": s.expires_on,
                    "revoked_at": s.revoked_at,
                }
                for s in shares
            ],
            # What the patient typed for their teams (a list: empty when they gave none).
            "how_my_team_can_reach_me": [
                {"phone": c.phone, "email": c.email, "updated_at": c.updated_at}
                for c in ContactDetails.objects.filter(patient=patient)
            ],
            "who_viewed_my_data": [
                {
                    "at": line.at,
                    "who": line.who,
                    "role": line.role,
                    "teams": line.teams,
                    "what": line.what,
                    "allowed": line.allowed,
                }
                for line in every_line(patient=patient)
            ],
        }

    def export_tables(self, patient: User) -> list[Table]:
        zone = patient.zoneinfo
        shares = Share.objects.filter(patient=patient).select_related("team").order_by("created_at")
        return [
            Table(
                "shares",
                "One row per care team you share (or shared) with.",
                (
                    Column("team", "The care team's name"),
                    Column("what_the_team_sees", "What you let them see, separated by '; '"),
                    Column("shared_at", "When you started sharing, in your time zone"),
                    Column("last_day", "The last day you chose, YYYY-MM-DD; empty: no end"),
                    Column("stopped_at", "When you stopped sharing; empty: still sharing"),
                ),
                [
                    [
                        s.team.name,
                        "; ".join(scope_labels(Scope(s.scope))),
                        s.created_at.astimezone(zone),
                        s.expires_on,
                        s.revoked_at.astimezone(zone) if s.revoked_at else None,
                    ]
                    for s in shares
                ],
            ),
            Table(
                "access_log",
                "One row per look at your data by someone else, allowed or refused.",
                (
                    Column("at", "When, in your time zone"),
                    Column("who", "Their name and address as they were when they looked"),
                    Column("role", "care-team member or another patient"),
                    Column("teams", "Their teams that you share (or shared) with, '; '"),
                    Column("what", "What they looked at (or tried to)"),
                    Column("allowed", "yes: they saw it; no: refused, they saw nothing"),
                ),
                [
                    [
                        line.at.astimezone(zone),
                        line.who,
                        line.role,
                        "; ".join(line.teams),
                        line.what,
                        line.allowed,
                    ]
                    for line in every_line(patient=patient)
                ],
            ),
        ]

    def follow_up(self, patient: User) -> FollowUp:
        return outreach.follow_up(patient)

    def plan_suggestions(self, patient: User) -> list[PlanSuggestion]:
        return plan_suggestions.waiting_for(patient)

    def plan_suggestion_decide(self, patient: User, suggestion_id: int, *, accept: bool) -> bool:
        return plan_suggestions.plan_suggestion_decide(
            patient=patient, suggestion_id=suggestion_id, accept=accept
        )


def alert_teams_after_commit(sender: Any, *, signal_id: int, **kwargs: Any) -> None:
    # Ids only in the task; if the broker is down, the every-minute sweep catches up.
    enqueue_on_commit(
        alert_care_teams_about_signal,
        caught_up_by="the care-alerts sweep (every minute)",
        signal_id=signal_id,
    )


def share_ends_follow(sender: Any, *, user: User, **kwargs: Any) -> None:
    share_ends_follow_time_zone(patient=user)


def join_invited_team(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """A signup that began from a member invitation, with the address it was sent to (compared
    without regard to case), makes a care-team account in that team. The address is verified
    before the account can sign in. A signup with another address stays an ordinary account,
    is told so plainly, and leaves the invitation unspent for the person it was sent to."""
    token = request.session.pop(MEMBER_INVITATION_SESSION_KEY, None) if request else None
    if not token:
        return
    invitation = invitations.invitation_for_token(token)
    if invitation is None or invitation.kind != Invitation.Kind.MEMBER:
        return
    if not invitations.invitation_is_for(invitation, user.email):
        messages.warning(request, invitations.WRONG_ADDRESS)
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(role=User.Role.CARE)
        user.role = User.Role.CARE
        invitations.invitation_accept_member(token=token, user=user)


def connect() -> None:
    care.install(CareTeamsForTheJournal())
    warning_raised.connect(alert_teams_after_commit, dispatch_uid="careteam.alerts")
    time_zone_changed.connect(share_ends_follow, dispatch_uid="careteam.share_ends")
    user_signed_up.connect(join_invited_team, dispatch_uid="careteam.member_invitation")
