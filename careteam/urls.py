from django.urls import path

from . import clinic_entry_views, safety_plan_views, views

app_name = "careteam"

urlpatterns = [
    # The care team's side.
    path("", views.dashboard, name="dashboard"),
    path("caseload/", views.caseload_figures, name="caseload"),
    # Patients are named by their random public id, never a guessable sequential one.
    path("patients/<uuid:public_id>/", views.patient_trends, name="patient"),
    path("patients/<uuid:public_id>/notes/", views.patient_notes, name="patient_notes"),
    path(
        "patients/<uuid:public_id>/reports/<uuid:report>/",
        views.patient_report,
        name="patient_report",
    ),
    path(
        "patients/<uuid:public_id>/signals/<int:signal_id>/acknowledge/",
        views.signal_acknowledge,
        name="signal_acknowledge",
    ),
    path("patients/<uuid:public_id>/outreach/", views.outreach_record, name="outreach_record"),
    path(
        "patients/<uuid:public_id>/questionnaire-rhythm/",
        views.questionnaire_rhythm,
        name="questionnaire_rhythm",
    ),
    path(
        "patients/<uuid:public_id>/safety-plan/",
        safety_plan_views.patient_safety_plan,
        name="patient_safety_plan",
    ),
    path(
        "patients/<uuid:public_id>/safety-plan/suggest/",
        safety_plan_views.plan_suggest,
        name="plan_suggest",
    ),
    path(
        "patients/<uuid:public_id>/clinic-entries/",
        clinic_entry_views.patient_clinic_entries,
        name="patient_clinic_entries",
    ),
    path(
        "patients/<uuid:public_id>/sessions/<int:pk>/check/",
        clinic_entry_views.clinic_check,
        name="clinic_check",
    ),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("invitations/<str:token>/", views.member_invitation, name="invitation"),
    # The patient's side: consent.
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/connect/", views.share_connect, name="share_connect"),
    path("sharing/<int:share_id>/", views.share_update, name="share_update"),
    path("sharing/<int:share_id>/stop/", views.share_revoke, name="share_revoke"),
    path("sharing/who-viewed/", views.access_log, name="access_log"),
    path("sharing/contact/", views.contact_details, name="contact_details"),
    path("join/<str:token>/", views.patient_invitation, name="patient_invitation"),
    path(
        "join/<str:token>/accept/",
        views.patient_invitation_accept,
        name="patient_invitation_accept",
    ),
]
