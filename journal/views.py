from django.conf import settings
from django.shortcuts import redirect, render

from .crisis import crisis_lines


def home(request):
    # Public landing for visitors; the journal home for patients; the dashboard for care teams.
    if not request.user.is_authenticated:
        return render(request, "journal/welcome.html")
    if request.user.is_care_member:
        return redirect("careteam:dashboard")
    return render(request, "journal/home.html")


# Public on purpose: someone in crisis may be signed out, or on a borrowed phone.
def need_help_now(request):
    return render(
        request,
        "journal/need_help_now.html",
        {"crisis_lines": crisis_lines(), "crisis_region": settings.CRISIS_REGION},
    )
