from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from careteam.access import Scope, patient_for_viewer

from .charts import trends_context


@login_required
def trends_page(request):
    """The patient's own trends: charts over a chosen range, and any early warning."""
    patient = patient_for_viewer(request.user, request.user.pk, scope=Scope.TRENDS, what="trends")
    context = trends_context(patient, request.GET.get("range"))
    return render(request, "journal/trends.html", context)
