import os
from pathlib import Path

from celery import Celery
from celery.signals import import_modules

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tideline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live beside the settings (the heartbeat) are not in an app; name them here.
app.autodiscover_tasks(["config"], related_name="tasks")


def ensure_file_broker_folders() -> None:
    """The embedded file-system broker needs its folders before anyone publishes or consumes."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@import_modules.connect
def _on_worker_import(**kwargs):
    ensure_file_broker_folders()
