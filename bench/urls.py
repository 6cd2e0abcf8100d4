"""The floors: what the same gunicorn and database serve with (almost) no work."""

from django.http import HttpResponse
from django.urls import include, path

from journal.models import Activity


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


def one_row(request):
    name = Activity.objects.filter(owner=None).order_by("pk").values_list("name", flat=True).first()
    return HttpResponse(name, content_type="text/plain")


urlpatterns = [
    path("bench/hello", hello),
    path("bench/one-row", one_row),
    path("", include("config.urls")),
]
