"""Cached charts hold health data: sealed in Redis, and gone with the account or the share."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config import private_cache
from journal.charts.page import CACHE_NAMES, RANGES
from tests.factories import MembershipFactory, ShareFactory
from tests.journal.trend_histories import rich_history
from tests.services import require_redis

pytestmark = pytest.mark.django_db

MARKER = "Zx9-private-tag-marker"


def raw_redis_values() -> dict[bytes, bytes]:
    """Every key under this run's prefix and its raw bytes, as anyone with Redis access sees."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
    return {key: client.get(key) or b"" for key in keys}


def chart_keys(patient_id: int) -> list[str]:
    return [
        k
        for k in (private_cache._key(patient_id, CACHE_NAMES[r]) for r in RANGES)
        if cache.has_key(k)
    ]


def test_a_patients_tag_names_never_reach_redis_in_plain_bytes(patient_client, patient):
    require_redis()
    rich_history(patient, days=60, activity_name=MARKER, end=patient.today() - dt.timedelta(days=1))
    for range_key in RANGES:
        assert MARKER in patient_client.get(f"/trends/?range={range_key}").content.decode()

    values = raw_redis_values()
    assert len(chart_keys(patient.pk)) == len(RANGES)  # they are cached...
    for raw in values.values():  # ...but no byte of them is readable
        assert MARKER.encode() not in raw
        assert b"Time outdoors" not in raw
        assert b"Mood and energy" not in raw


def test_the_second_look_reads_the_sealed_entry_back(patient_client, patient):
    rich_history(patient, days=30, activity_name=MARKER, end=patient.today() - dt.timedelta(days=1))
    patient_client.get("/trends/?range=30d")
    cached = private_cache.get(patient.pk, CACHE_NAMES["30d"])
    assert cached is not None and MARKER in cached[1]["html"]
    assert cached[1]["html"] in patient_client.get("/trends/?range=30d").content.decode()


def test_entries_sealed_before_a_key_rotation_still_open_and_others_are_a_miss(patient):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "SECRET_KEY", "the-old-key-" * 5)
        private_cache.put(patient.pk, CACHE_NAMES["30d"], {"mood": 3}, 60)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "SECRET_KEY", "the-new-key-" * 5)
        mp.setattr(settings, "SECRET_KEY_FALLBACKS", ["the-old-key-" * 5])
        assert private_cache.get(patient.pk, CACHE_NAMES["30d"]) == {"mood": 3}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "SECRET_KEY", "the-new-key-" * 5)
        mp.setattr(settings, "SECRET_KEY_FALLBACKS", [])
        # The old key retired: unreadable, so rebuilt, never an error.
        assert private_cache.get(patient.pk, CACHE_NAMES["30d"]) is None


def test_a_tampered_entry_is_a_miss_not_an_error(patient):
    private_cache.put(patient.pk, CACHE_NAMES["30d"], {"mood": 3}, 60)
    key = private_cache._key(patient.pk, CACHE_NAMES["30d"])
    token = bytearray(cache.get(key))
    token[-5] ^= 1
    cache.set(key, bytes(token), 60)
    assert private_cache.get(patient.pk, CACHE_NAMES["30d"]) is None


def test_an_entry_sealed_in_an_older_layout_is_a_miss_not_an_error(patient):
    older = private_cache._fernet().encrypt(b"not the layout this release reads")
    cache.set(private_cache._key(patient.pk, CACHE_NAMES["30d"]), older, 60)
    assert private_cache.get(patient.pk, CACHE_NAMES["30d"]) is None


def test_an_undeclared_name_is_refused_so_purge_never_misses_one(patient):
    with pytest.raises(KeyError):
        private_cache.put(patient.pk, "made-up", 1, 60)


def test_deleting_the_account_removes_its_cached_charts_and_no_one_elses(
    reauthenticated_client, patient, other_patient, django_capture_on_commit_callbacks
):
    client = Client()
    rich_history(patient, days=30, activity_name=MARKER)
    rich_history(other_patient, days=30)
    for range_key in RANGES:
        reauthenticated_client.get(f"/trends/?range={range_key}")
    client.force_login(other_patient)
    client.get("/trends/?range=30d")
    assert len(chart_keys(patient.pk)) == len(RANGES)

    with django_capture_on_commit_callbacks(execute=True):
        response = reauthenticated_client.post(reverse("account_delete"), {"confirm": "on"})

    assert response.status_code == 200
    assert chart_keys(patient.pk) == []
    assert chart_keys(other_patient.pk) == [
        private_cache._key(other_patient.pk, CACHE_NAMES["30d"])
    ]


def test_revoking_a_share_removes_the_charts_the_team_saw(
    patient_client, patient, other_patient, django_capture_on_commit_callbacks
):
    client = Client()
    share = ShareFactory(patient=patient)
    member = MembershipFactory(team=share.team).user
    rich_history(patient, days=30, activity_name=MARKER)
    rich_history(other_patient, days=30)
    client.force_login(member)
    assert client.get(f"/care/patients/{patient.public_id}/?range=30d").status_code == 200
    assert chart_keys(patient.pk)
    private_cache.put(other_patient.pk, CACHE_NAMES["30d"], "theirs", 60)

    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(reverse("careteam:share_revoke", args=[share.pk]))

    assert chart_keys(patient.pk) == []
    assert private_cache.get(other_patient.pk, CACHE_NAMES["30d"]) == "theirs"
    assert client.get(f"/care/patients/{patient.public_id}/?range=30d").status_code == 404
