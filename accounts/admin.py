from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Exists, OuterRef

from config.admin_base import ReadOnlyModelAdmin

from .delivery import attempts_note
from .models import EmailDelivery, PushSubscription, User
from .schedule import reminder_schedule_refresh, reminder_schedules_refresh


class VerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Verified"), ("no", "Not verified")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(email_verified=True)
        if self.value() == "no":
            return queryset.filter(email_verified=False)
        return queryset


class AdminUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role", "display_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts only: nothing here shows a patient's journal."""

    add_form = AdminUserCreationForm
    ordering = ("-date_joined",)
    list_display = ("email", "display_name", "role", "is_active", "verified", "date_joined")
    list_filter = ("role", "is_active", VerifiedFilter, "is_staff")
    search_fields = ("email", "display_name")
    readonly_fields = ("date_joined", "last_login")
    actions = ("deactivate", "reactivate")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "role", "time_zone")}),
        (
            "Notifications",
            {
                "fields": (
                    "reminder_enabled",
                    "reminder_time",
                    "questionnaire_reminder_enabled",
                    "weekly_email_enabled",
                    "integration_reminders_enabled",
                )
            },
        ),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "display_name", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        return super().get_queryset(request).annotate(email_verified=Exists(verified))

    @admin.display(boolean=True, ordering="email_verified", description="verified")
    def verified(self, obj) -> bool:
        return obj.email_verified

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reminder_schedule_refresh(user=obj)  # a new time zone or switch moves the next reminder

    @admin.action(description="Deactivate selected accounts (they can no longer sign in)")
    def deactivate(self, request, queryset):
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(request, f"Deactivated {count} account(s).", messages.SUCCESS)

    @admin.action(description="Reactivate selected accounts")
    def reactivate(self, request, queryset):
        count = queryset.update(is_active=True)
        reminder_schedules_refresh(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Reactivated {count} account(s).", messages.SUCCESS)


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyModelAdmin):
    """Every email and notification, one row per occasion and channel. Reminders are sent at
    most once (a row left "Sending" by a crash may not have arrived and is never retried),
    care-team alerts at least once (a row sent after an unsure try may have arrived twice):
    the "to know" column says so in words."""

    list_display = (
        "recipient",
        "kind",
        "period",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "to_know",
    )
    list_filter = ("kind", "channel", "status")
    search_fields = ("recipient__email",)
    list_select_related = ("recipient",)

    @admin.display(description="to know")
    def to_know(self, obj: EmailDelivery) -> str:
        return attempts_note(obj)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyModelAdmin):
    """Devices with notifications on. The endpoint is the push service's address for the
    device, not shown: it is a bearer capability to notify that device."""

    list_display = ("user", "created_at")
    fields = ("user", "created_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
