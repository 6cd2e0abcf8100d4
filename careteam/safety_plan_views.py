"""The team's side of a safety plan made together: read the plan a patient shares (Scope.
SAFETY_PLAN) and suggest additions. HTTP only: the rules live in plan_suggestions.py; the
patient's side (accept or decline) is on their own safety plan page (journal/views.py)."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from journal.access import Grant, Scope
from journal.models import SafetyPlan
from journal.safety import plan_sections

from . import plan_suggestions
from .forms import PlanSuggestionForm
from .views import _apply_service_error, _grant_for_team, _tabs, patient_pages_limited


def _page(request, grant: Grant, *, form=None, status: int = 200):
    plan = SafetyPlan.objects.filter(patient=grant.patient).first()
    return render(
        request,
        "careteam/patient_safety_plan.html",
        {
            "patient": grant.patient,
            "plan": plan,
            "sections": plan_sections(plan),
            "suggestions": plan_suggestions.team_suggestions(grant=grant),
            "form": form or PlanSuggestionForm(),
            **_tabs(grant, "plan"),
        },
        status=status,
    )


@never_cache
@login_required
@patient_pages_limited
def patient_safety_plan(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.SAFETY_PLAN, what="safety_plan")
    return _page(request, grant)


@never_cache
@require_POST
@login_required
@patient_pages_limited
def plan_suggest(request, public_id: UUID):
    grant = _grant_for_team(request, public_id, need=Scope.SAFETY_PLAN, what="plan_suggestion")
    form = PlanSuggestionForm(request.POST)
    if form.is_valid():
        try:
            plan_suggestions.plan_suggest(grant=grant, **form.cleaned_data)
        except ValidationError as error:
            _apply_service_error(form, error)
        else:
            messages.success(
                request,
                "Suggested. It is added to the plan only if the patient accepts it; you'll see "
                "their answer here.",
            )
            return redirect("careteam:patient_safety_plan", public_id=grant.patient.public_id)
    return _page(request, grant, form=form, status=400)
