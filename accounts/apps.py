from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Django loads apps.py before the app registry is ready; the checks import settings
        # and models, so they are registered here.
        from . import checks  # noqa: F401, PLC0415  (registers the deploy checks)
