from django.contrib import admin

from config.admin_base import ReadOnlyModelAdmin
from journal.access import scope_labels

from . import services
from .models import AccessEvent, CareTeam, Invitation, Membership, Share


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    """Admins create teams here; the join code is generated when left empty."""

    list_display = ("name", "join_code", "created_at")
    search_fields = ("name", "join_code")
    inlines = (MembershipInline,)
    fields = ("name", "join_code", "crisis_note")

    def get_changeform_initial_data(self, request):
        return {"join_code": services.team_join_code_generate()}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("role", "team")
    search_fields = ("user__email", "team__name")
    autocomplete_fields = ("user", "team")
    list_select_related = ("user", "team")


@admin.register(Share)
class ShareAdmin(ReadOnlyModelAdmin):
    """Consent is the patient's: admins can see that a share exists, never change it."""

    list_display = ("patient", "team", "scope_shown", "created_at", "revoked_at")
    list_filter = ("team",)
    list_select_related = ("patient", "team")
    search_fields = ("patient__email", "team__name")

    @admin.display(description="what the team sees")
    def scope_shown(self, obj) -> str:
        return ", ".join(scope_labels(obj.scope))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("team", "kind", "email", "role", "created_at", "expires_at", "used_at")
    list_filter = ("kind", "team")
    list_select_related = ("team",)
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False  # team admins invite from the app, which emails the one-time link

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyModelAdmin):
    """The audit log, read-only: nobody adds, edits or deletes a line."""

    list_display = ("at", "viewer", "viewer_role", "patient", "what", "allowed")
    list_filter = ("allowed", "viewer_role", "what")
    search_fields = ("viewer__email", "patient__email")
    list_select_related = ("viewer", "patient")
    date_hierarchy = "at"
