import os
from pathlib import Path

from celery import Celery
from celery.signals import before_task_publish, import_modules, task_postrun, task_prerun
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone

from .tasks import BEAT_HEARTBEAT_CACHE_KEY

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tideline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live beside the settings (the heartbeat) are not in an app; name them here, and
# those of a package inside an app (the journal's imports).
app.autodiscover_tasks(["config", "journal.imports"], related_name="tasks")


def ensure_file_broker_folders() -> None:
    """The embedded file-system broker needs its folders before anyone publishes or consumes."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@import_modules.connect
def _on_worker_import(**kwargs):
    ensure_file_broker_folders()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs):
    """Around every task, as Django does around every request: close a connection that is
    broken or older than CONN_MAX_AGE, keep the others (settings.CELERY_DB_REUSE_MAX says why)."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # an eager task runs on its caller's connection, maybe inside its transaction
    close_old_connections()


@before_task_publish.connect(sender="config.tasks.heartbeat")
def _beat_sent_a_heartbeat(**kwargs):
    """Beat publishes the heartbeat every minute: its own stamp, so `/healthz` can tell a beat
    that stopped from a worker that stopped (config/health.py)."""
    try:
        cache.set(BEAT_HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)
    except Exception:  # never stop the publish over a stamp; /healthz will say beat is stale
        return
