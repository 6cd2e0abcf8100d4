from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from accounts.sign_in import sign_in
from config.health import healthz

# Admin sign-in goes through allauth, so its rate limits and MFA apply to admins too.
admin.autodiscover()
# allauth's documented way to put its sign-in in front of the admin's.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Tideline administration"
admin.site.site_title = "Tideline admin"

urlpatterns = [
    path("", include("journal.urls")),
    path("care/", include("careteam.urls")),
    path("settings/", account_views.profile_settings, name="profile_settings"),
    path("settings/delete/", account_views.account_delete_view, name="account_delete"),
    path("settings/keep-alive/", account_views.keep_alive, name="keep_alive"),
    path(
        "settings/sign-out-everywhere/",
        account_views.sign_out_everywhere_view,
        name="sign_out_everywhere",
    ),
    path("settings/two-factor/", account_views.two_factor_required, name="two_factor_required"),
    path("notifications/", include("accounts.urls")),
    # Before allauth's own: the same sign-in, served fast to a first visit (accounts/sign_in.py),
    # and the same sign-out, clearing what the site stored on the device.
    path("accounts/login/", sign_in, name="account_login"),
    path("accounts/logout/", account_views.sign_out, name="account_logout"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

# A bad request gets the kind 400 page without reading the body again (accounts/views.py).
handler400 = "accounts.views.bad_request"
