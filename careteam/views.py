from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def dashboard(request):
    if not request.user.is_care_member:
        raise Http404
    return render(request, "careteam/dashboard.html")
