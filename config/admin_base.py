from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records only the app may write: consent, the access log, the email delivery log.
    Admins can look, never add, change or delete (a deleted delivery row would let an email
    go out twice; a deleted access-log line would hide a look)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
