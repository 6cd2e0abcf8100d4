import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import pools as kombu_pools

from journal import services as journal_services
from journal.access import Scope
from tests import services  # noqa: F401  (fails fast in CI when a service is missing)
from tests.factories import (
    CareTeamFactory,
    CareUserFactory,
    MembershipFactory,
    ShareFactory,
    UserFactory,
    builtin_activities,
)
from tests.smtp import SinkHandler, free_port

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _builtin_tags_after_flush(request):
    """Transactional tests end with a flush that also deletes rows data migrations made (the
    built-in activity tags). pytest-django runs them after all others, so each one puts the
    tags back first, and no test depends on the order others ran in."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(
        names
    ):
        request.getfixturevalue("transactional_db")
        builtin_activities()
    yield


def _clear_our_cache_keys() -> None:
    """Rate limits live in the cache; each test starts with none. Only our keys are touched, so
    a Redis shared with the Celery broker keeps its queues."""
    if settings.REDIS_URL:
        # Django's Redis cache keeps its client pool as `_cache` (no public way to list keys).
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = list(client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    _clear_our_cache_keys()
    yield


@pytest.fixture
def patient(db):
    return UserFactory()


@pytest.fixture
def other_patient(db):
    return UserFactory()


@pytest.fixture
def clinician(db):
    return CareUserFactory()


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def _worker_env() -> dict:
    """The worker process sees the same database (the test one), broker, queue and cache."""
    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env["CELERY_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    env["PYTHONUNBUFFERED"] = "1"
    return env


class WorkerProcess:
    """A real `celery worker` subprocess, started and stopped by tests."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=_worker_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b"ready." in self.log_path.read_bytes():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker did not start:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: what an OOM killer or a lost machine does mid-task."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start a real worker on the configured broker (Redis in CI, the file broker locally).

    Tests using it need committed data, hence `transactional_db`.
    """
    from config.celery import app, ensure_file_broker_folders

    ensure_file_broker_folders()
    with app.connection_for_write() as conn:  # drop leftovers of earlier runs on this queue
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    worker = WorkerProcess(tmp_path / "worker.log").start()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2):
    """Poll until `predicate()` is truthy; return its value or fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(
        f"timed out after {timeout}s waiting for {getattr(predicate, '__name__', predicate)}"
    )


@pytest.fixture
def smtp_sink(settings, monkeypatch):
    """An SMTP server on 127.0.0.1 that this process and a worker subprocess both send to."""
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    # A worker subprocess reads its settings from the environment (tests/conftest._worker_env).
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{port}")
    handler.port = port
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def reauthenticated_client(patient_client):
    """The patient, signed in and having just confirmed their password again, as allauth asks
    before a download of everything or a deletion."""
    from tests.factories import reauthenticate

    reauthenticate(patient_client)
    return patient_client


@pytest.fixture
def push_service(settings):
    """A push service on loopback that Tideline may send to, with a fresh VAPID key pair."""
    from accounts.management.commands.make_vapid_keys import make_vapid_keys
    from tests.push_service import PushService

    service = PushService()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = make_vapid_keys()
    settings.VAPID_SUBJECT = "mailto:ops@tideline.test"
    settings.PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    yield service
    service.stop()


@contextlib.contextmanager
def broker_unreachable():
    """Point Celery at a port nothing listens on: what a patient's request sees when Redis is
    down. (Only Redis can be "down" this way; the embedded file broker has no server.)"""
    from config.celery import app

    def point_at(url):
        app.pool.force_close_all()
        app.conf.broker_url = url
        app._pool = None
        # The producer pools are kombu globals built on the old (now closed) connection pool:
        # drop them too, or the next publish finds its pool closed.
        app.amqp._producer_pool = None
        kombu_pools.reset()

    saved = app.conf.broker_url
    point_at("redis://127.0.0.1:9/0")
    try:
        yield
    finally:
        point_at(saved)


@pytest.fixture
def dead_broker():
    with broker_unreachable():
        yield


@pytest.fixture
def fresh_heartbeats():
    """Beat sent the heartbeat and a worker ran it just now, as `/healthz` expects to read."""
    from django.utils import timezone

    from config.tasks import BEAT_HEARTBEAT_CACHE_KEY, HEARTBEAT_CACHE_KEY

    now = timezone.now().isoformat()
    cache.set_many({BEAT_HEARTBEAT_CACHE_KEY: now, HEARTBEAT_CACHE_KEY: now}, timeout=None)


class Person:
    """One of `two_patients`: the account and what they wrote, with words and numbers that
    are theirs alone (`markers`), so a test can tell whose data reached a page, a file or an
    email."""

    def __init__(self, *, user, label: str, mood: int, day, tag, team, clinician, share):
        self.user = user
        self.label = label  # "ALPHA" or "BRAVO": every text they wrote contains it
        self.mood = mood
        self.day = day
        self.tag = tag  # their own tag, on their check-in
        self.team = team  # the team they share trends and notes with
        self.clinician = clinician  # that team's one member
        self.share = share

    @property
    def markers(self) -> list[str]:
        return [
            f"{self.label} note",
            f"{self.label} tag",
            f"{self.label} intention",
            f"{self.label} insight",
            f"{self.label} reason to live",
            f"{self.label} warning sign",
            f"{self.label} clinic",
        ]


class TwoPatients:
    """Two patients active on the same local day: `alpha` and `bravo` (also `.a`, `.b`)."""

    def __init__(self, alpha: Person, bravo: Person, day):
        self.alpha = self.a = alpha
        self.bravo = self.b = bravo
        self.day = day

    def __iter__(self):
        return iter((self.alpha, self.bravo))


def _active_patient(*, label: str, mood: int, phq9: int, day):
    """A patient who checked in on `day` with a tag and a note, had a treatment session the day
    before, filled a PHQ-9 and a GAD-7, keeps a safety plan and shares trends and notes with a
    team of their own that has one clinician. Every write goes through the journal's services,
    as the pages do."""
    user = UserFactory(display_name=label.title())
    tag = journal_services.activity_create(patient=user, name=f"{label} tag")
    journal_services.checkin_save(
        patient=user,
        day=day,
        data=journal_services.CheckInData(
            mood=mood,
            energy=mood,
            interest=mood,
            sleep_hours=mood,
            note=f"{label} note",
            activities=[tag],
        ),
    )
    journal_services.treatment_session_save(
        patient=user,
        data=journal_services.SessionData(
            day=day - dt.timedelta(days=1),
            time=dt.time(10, 0),
            kind="iv",
            dose="0.5 mg/kg",
            provider=f"{label} clinic",
            intention=f"{label} intention",
            insights=f"{label} insight",
        ),
    )
    items = ([3] * (phq9 // 3) + [phq9 % 3] + [0] * 9)[:9]
    journal_services.questionnaire_submit(
        patient=user, instrument="phq9", answers=items, submission_key=uuid.uuid4()
    )
    journal_services.questionnaire_submit(
        patient=user, instrument="gad7", answers=[1] * 7, submission_key=uuid.uuid4()
    )
    journal_services.safety_plan_save(
        patient=user,
        sections={
            "reasons_for_living": f"{label} reason to live",
            "warning_signs": f"{label} warning sign",
        },
    )
    team = CareTeamFactory(name=f"{label.title()} Team")
    clinician = CareUserFactory(display_name=f"{label.title()} Clinician")
    MembershipFactory(team=team, user=clinician)
    share = ShareFactory(patient=user, team=team, scope=Scope.TRENDS | Scope.NOTES)
    return Person(
        user=user,
        label=label,
        mood=mood,
        day=day,
        tag=tag,
        team=team,
        clinician=clinician,
        share=share,
    )


@pytest.fixture
def two_patients(db):
    """The default shape of a test of a write or read path: two patients, both active on the
    same local day (yesterday in London), each with a check-in (mood 2 and 9), a tag, a
    treatment session, a PHQ-9 (11 and 4) and a GAD-7, a safety plan, and a share with their
    own team. Nothing of one may reach or change the other."""
    builtin_activities()
    probe = UserFactory.build(time_zone="Europe/London")
    day = probe.today() - dt.timedelta(days=1)
    return TwoPatients(
        _active_patient(label="ALPHA", mood=2, phq9=11, day=day),
        _active_patient(label="BRAVO", mood=9, phq9=4, day=day),
        day,
    )
