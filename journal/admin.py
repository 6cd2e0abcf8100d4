"""What admins see of the journal: the built-in activity tags, and nothing a patient wrote.

CheckIn, TreatmentSession, QuestionnaireResponse, SafetyPlan, WeeklySummary and Signal are not
registered on purpose: notes, intentions, insights, integration text, safety plans and scores are
the patient's, and an admin account is not a care team (tests/journal/test_admin.py pins it).
A patient's own tags are hidden too: a tag name can say more than it seems.
"""

from django.contrib import admin

from .models import Activity


@admin.register(Activity)
class BuiltinActivityAdmin(admin.ModelAdmin):
    list_display = ("name", "position")
    list_editable = ("position",)
    fields = ("name", "position")
    ordering = ("position", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(owner__isnull=True)

    def has_delete_permission(self, request, obj=None):
        # Deleting a built-in tag would silently strip it from every patient's past days.
        return False
