from django.apps import AppConfig


class CareteamConfig(AppConfig):
    name = "careteam"
    verbose_name = "Care teams"

    def ready(self) -> None:
        # Django imports every app's models before ready(); wiring needs them, so it is imported
        # here and not at the top of this module (which Django loads before any model).
        from . import wiring  # noqa: PLC0415

        wiring.connect()
