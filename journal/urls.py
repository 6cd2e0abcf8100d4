import datetime as dt

from django.urls import path, register_converter

from . import shell, views
from .imports import views as imports
from .report import views as report


class IsoDateConverter:
    """A calendar date in the path (YYYY-MM-DD). Not health data: it names the day to edit."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # ValueError on 2026-02-30: no match, so a 404

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", shell.app_manifest, name="app_manifest"),
    path("sw.js", shell.service_worker, name="service_worker"),
    path("offline/", shell.offline, name="offline"),
    path("help/", views.need_help_now, name="need_help_now"),
    path("more/", views.more, name="more"),
    path("help/country/", views.help_country, name="help_country"),
    path("checkin/", views.checkin_today, name="checkin"),
    path("checkin/<isodate:day>/", views.checkin_day, name="checkin_day"),
    path("history/", views.history, name="history"),
    path("history/calendar/", views.history_calendar, name="history_calendar"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_add, name="session_add"),
    path("sessions/<int:pk>/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/check/", views.session_check, name="session_check"),
    path("sessions/<int:pk>/before/", views.session_before, name="session_before"),
    path("courses/", views.courses, name="courses"),
    path("medications/", views.medications, name="medications"),
    path("medications/new/", views.medication_add, name="medication_add"),
    path("medications/<int:pk>/", views.medication_edit, name="medication_edit"),
    path("courses/<int:pk>/", views.course_edit, name="course_edit"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path("questionnaires/<slug:instrument>/", views.questionnaire_fill, name="questionnaire_fill"),
    path("safety-plan/", views.safety_plan, name="safety_plan"),
    path("safety-plan/edit/", views.safety_plan_edit, name="safety_plan_edit"),
    path(
        "safety-plan/suggestions/<int:pk>/",
        views.plan_suggestion_decide,
        name="plan_suggestion_decide",
    ),
    path("trends/", views.trends, name="trends"),
    path("reports/", report.reports, name="reports"),
    path("reports/<uuid:report>/", report.report, name="report"),
    path("warnings/safe-now/", views.safe_now, name="safe_now"),
    path("settings/export/", views.data_export, name="data_export"),
    path("settings/import/", imports.import_start, name="import_start"),
    path("settings/import/<uuid:job>/", imports.import_preview, name="import_preview"),
    path("settings/import/<uuid:job>/progress/", imports.import_progress, name="import_progress"),
    path("settings/import/<uuid:job>/status/", imports.import_status, name="import_status"),
]
