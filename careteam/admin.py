from django.contrib import admin
from django.db.models import Count, Q

from accounts.models import User
from config.admin_base import ReadOnlyModelAdmin
from journal.access import scope_labels

from . import services
from .access_log import SHOWN_TO_PATIENT
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
    fields = ("name", "join_code", "crisis_note", "pre_session_checklist")

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


class LookKindFilter(admin.SimpleListFilter):
    """Views, refused attempts by care-team members (both on the patient's page), and refused
    attempts by anyone else (another patient trying ids, say): kept here, with their count,
    and never shown to the patient (careteam/access_log.py)."""

    title = "kind of look"
    parameter_name = "kind"
    KINDS = {
        "allowed": ("Allowed", Q(allowed=True)),
        "care": ("Refused, care-team member", Q(allowed=False, viewer_role=User.Role.CARE)),
        "hidden": ("Refused, outside care teams (not shown to the patient)", ~SHOWN_TO_PATIENT),
    }

    def lookups(self, request, model_admin):
        counts = AccessEvent.objects.aggregate(
            **{f"n_{kind}": Count("pk", filter=q) for kind, (_, q) in self.KINDS.items()}
        )
        return [
            (kind, f"{label} ({counts[f'n_{kind}']})") for kind, (label, _) in self.KINDS.items()
        ]

    def queryset(self, request, queryset):
        chosen = self.value()
        if chosen is not None and chosen in self.KINDS:
            return queryset.filter(self.KINDS[chosen][1])
        return queryset


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyModelAdmin):
    """The audit log, read-only: nobody adds, edits or deletes a line. Every line is here,
    refused attempts the patient is not shown included. The name and address are those kept
    with the line when it was written."""

    list_display = (
        "at",
        "viewer_email",
        "viewer_name",
        "viewer_role",
        "patient",
        "what",
        "allowed",
    )
    list_filter = (LookKindFilter, "allowed", "viewer_role", "what")
    search_fields = ("viewer_email", "viewer_name", "viewer__email", "patient__email")
    list_select_related = ("patient",)
    date_hierarchy = "at"
