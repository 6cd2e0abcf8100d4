"""Care-team dashboard benchmark: the page a clinician opens first, for a team of many patients,
with the urgent flag's when-raised and whether-anyone-acted, and how to reach each patient.

Run by hand (not part of the test suite), from the project root, one benchmark at a time:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench_dashboard \\
        flock /tmp/tideline-bench.lock .venv/bin/python bench/dashboard.py

It seeds one team of `--patients` patients (reusing them if they are there): 30 days of
check-ins each, a PHQ-9 and a GAD-7, every tenth with an open urgent card, every fifth with a
slide, half sharing how to reach them (with details), and a year of outreach records for a
third of them. Then, through Django's test client in this one process:

  floor:     a signed-in request to the one-row view (bench/urls.py);
  dashboard: the dashboard page (its queries, the sort, the template, the access-log inserts);
  rows:      `careteam.selectors.dashboard_rows` alone (its three queries and the rows);
  query:     its patients query alone (`dashboard_patients`);
  before:    the patients query as it was before the safety loop (urgent as one EXISTS, no
             outreach or contact subqueries), for comparison.

Medians over rounds that time each in turn; printed as ratios to the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.trends import ensure_database, machine, setup_django  # noqa: E402

TEAM_CODE = "BENCHDSH"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patients", type=int, default=500)
    p.add_argument("--repeat", type=int, default=21)
    return p.parse_args()


def seed(patients: int):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from careteam.models import CareTeam, ContactDetails, Membership, Outreach, Share
    from journal.access import Scope
    from journal.models import CheckIn, QuestionnaireResponse, Signal

    call_command("migrate", verbosity=0)
    team = CareTeam.objects.filter(join_code=TEAM_CODE).first()
    if team is not None and Share.objects.filter(team=team).count() == patients:
        print(f"seed: reusing {patients} patients")
        return team, Membership.objects.select_related("user").get(team=team).user
    t0 = time.perf_counter()
    team = CareTeam.objects.create(name="Bench Clinic", join_code=TEAM_CODE)
    clinician = User.objects.create(email=f"bench.clinician.{patients}@clinic.test", role="care")
    Membership.objects.create(team=team, user=clinician)
    now = timezone.now()
    today = now.date()
    people = User.objects.bulk_create(
        [User(email=f"bench.dash.{i}@example.test", display_name=f"P{i}") for i in range(patients)]
    )
    Share.objects.bulk_create(
        [
            Share(
                patient=p,
                team=team,
                scope=Scope.TRENDS | Scope.CONTACT if i % 2 else Scope.TRENDS,
            )
            for i, p in enumerate(people)
        ]
    )
    ContactDetails.objects.bulk_create(
        [ContactDetails(patient=p, phone=f"07700 9{i:05d}") for i, p in enumerate(people)]
    )
    CheckIn.objects.bulk_create(
        [
            CheckIn(patient=p, day=today - dt.timedelta(days=d), mood=(i + d) % 11)
            for i, p in enumerate(people)
            for d in range(30)
        ],
        batch_size=5000,
    )
    QuestionnaireResponse.objects.bulk_create(
        [
            QuestionnaireResponse(
                patient=p, instrument=inst, answers=[1] * n, total=n, band="", day=today,
                submitted_at=now, item9=1 if inst == "phq9" else None,
            )
            for p in people
            for inst, n in (("phq9", 9), ("gad7", 7))
        ]
    )  # fmt: skip
    Signal.objects.bulk_create(
        [
            Signal(
                patient=p, kind="urgent_item9" if i % 10 == 0 else "sustained_slide",
                dedupe_key=f"bench-{i}", started_on=today, detected_at=now - dt.timedelta(hours=i),
                last_reported_at=now - dt.timedelta(hours=i), details={},
            )
            for i, p in enumerate(people)
            if i % 10 == 0 or i % 5 == 0
        ]
    )  # fmt: skip
    Outreach.objects.bulk_create(
        [
            Outreach(
                patient=p, team=team, by=clinician, by_name="Dr Bench", how="phone",
                outcome="spoke", at=now - dt.timedelta(days=k * 7, hours=i % 24),
            )
            for i, p in enumerate(people)
            if i % 3 == 0
            for k in range(52)
        ],
        batch_size=5000,
    )  # fmt: skip
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"seed: {patients} patients in {time.perf_counter() - t0:.1f} s")
    return team, clinician


def rows_before(viewer):
    """The patients query as it was before this change (for the ratio)."""
    from django.db.models import Exists, OuterRef, Subquery

    from accounts.models import User
    from careteam.access import shares_visible_to
    from journal.access import Scope
    from journal.models import CheckIn, QuestionnaireResponse, Signal

    visible = shares_visible_to(viewer)
    my_share = visible.filter(patient=OuterRef("pk"))
    open_signals = Signal.objects.filter(patient=OuterRef("pk"), resolved_at__isnull=True)

    def latest_total(instrument):
        return Subquery(
            QuestionnaireResponse.objects.filter(patient=OuterRef("pk"), instrument=instrument)
            .order_by("-submitted_at")
            .values("total")[:1]
        )

    return list(
        User.objects.filter(Exists(my_share))
        .annotate(
            sees_trends=Exists(my_share.covering(Scope.TRENDS)),
            sees_notes=Exists(my_share.covering(Scope.NOTES)),
            urgent=Exists(
                open_signals.filter(kind__in=Signal.URGENT_KINDS, acknowledged_at__isnull=True)
            ),
            sliding=Exists(open_signals.filter(kind="sustained_slide")),
            phq9_flag=Exists(open_signals.filter(kind__in=["phq9_rise", "phq9_high"])),
            last_checkin=Subquery(
                CheckIn.objects.filter(patient=OuterRef("pk")).order_by("-day").values("day")[:1]
            ),
            phq9_latest=latest_total("phq9"),
            gad7_latest=latest_total("gad7"),
        )
        .only("id", "public_id", "email", "display_name", "time_zone")
    )


def rows_after(viewer):
    from careteam.models import Outreach
    from careteam.selectors import dashboard_rows

    rows = dashboard_rows(viewer=viewer)
    assert any(r.urgent for r in rows) and Outreach.objects.exists()
    return rows


def query_now(viewer):
    from careteam.selectors import dashboard_patients

    return list(dashboard_patients(viewer))


def main():
    args = parse_args()
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tl_bench_dashboard")
    ensure_database(db_url)
    setup_django(db_url, 0)
    from django.test import Client

    _, clinician = seed(args.patients)
    os.environ["REQUIRE_TWO_FACTOR"] = "false"
    from django.conf import settings

    settings.REQUIRE_TWO_FACTOR = False
    client = Client()
    client.force_login(clinician)
    client.get("/care/")

    def page():
        response = client.get("/care/")
        assert response.status_code == 200, response.status_code

    keys = ("floor", "dashboard", "rows", "query", "before")
    timings: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(args.repeat):
        for key, fn in (
            ("floor", lambda: client.get("/bench/one-row")),
            ("dashboard", page),
            ("rows", lambda: rows_after(clinician)),
            ("query", lambda: query_now(clinician)),
            ("before", lambda: rows_before(clinician)),
        ):
            t0 = time.perf_counter()
            fn()
            timings[key].append((time.perf_counter() - t0) * 1000)
    med = {k: statistics.median(v) for k, v in timings.items()}
    print(machine())
    print(f"{args.patients} patients, medians of {args.repeat} rounds")
    for key in keys:
        print(f"  {key:10s} {med[key]:8.1f} ms  {med[key] / med['floor']:7.1f}x the floor")
    print(f"  patients query now / before: {med['query'] / med['before']:.2f}x")


if __name__ == "__main__":
    main()
