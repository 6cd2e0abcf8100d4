"""Chart-building benchmark: the trends page of a 3-year patient with its charts built (the
cache emptied first) and served from the cache, against a floor measured in the same run.

Run by hand (not part of the test suite), from the project root, one benchmark at a time:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench flock /tmp/tideline-bench.lock \
        .venv/bin/python bench/charts.py

It seeds the database as bench/trends.py does (reusing its rows if they are there), then, per
range, through Django's test client in this one process (no server, no load generator):

  floor:  a signed-in request to the one-row view (bench/urls.py): the same middleware,
          session and one query, with no chart;
  built:  the trends page with its charts built: queries, figures, tables, the charts section
          rendered and put in the cache;
  cached: the same page served from the cache;
  figures: `journal.charts.page._build_charts` called directly: the chart queries, the
          figure builders and the tables, without the request, template or cache;
  first:  `_build_charts` once per range at the start, before any figure shape is kept
          (journal/charts/plot.py builds and validates each shape once per process): what
          the first pages after a deploy pay. The first range also pays plotly's imports.

Each is a median over rounds that time all of them in turn (so a machine that slows mid-run
slows all alike); each is printed as a ratio to the floor, and built as a ratio to cached, so
runs on different days (or before and after a change) compare by their ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.trends import ensure_database, machine, seed, setup_django  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patients", type=int, default=1000, help="as bench/trends.py seeds")
    p.add_argument("--days", type=int, default=3 * 365)
    p.add_argument("--repeat", type=int, default=41, help="requests per median")
    return p.parse_args()


def timed_ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def measure(patient_id: int, repeat: int) -> dict:
    """Medians over `repeat` rounds; each round times the floor and, per range, the built page,
    the cached page and the builders, so a machine that slows down mid-run slows all alike."""
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import User
    from journal.charts import page

    patient = User.objects.get(pk=patient_id)
    today = patient.today()
    first = {
        key: timed_ms(lambda key=key: page._build_charts(patient, key, today))
        for key in page.RANGES
    }
    client = Client()
    client.force_login(patient)
    client.get("/trends/")  # the session's first request refreshes its expiry (a write)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    samples: dict[str, list[float]] = {"floor_ms": []}
    for key in page.RANGES:
        for what in ("built_ms", "cached_ms", "figures_ms"):
            samples[f"{key} {what}"] = []
    for round_ in range(repeat + 1):  # the first round warms up and is left out
        keep = round_ > 0
        for _ in range(3):
            t = timed_ms(lambda: get("/bench/one-row"))
            if keep:
                samples["floor_ms"].append(t)
        for key in page.RANGES:
            url = f"/trends/?range={key}"
            cache.clear()  # not timed: the file cache's clear is slow and not what we measure
            built = timed_ms(lambda url=url: get(url))
            cached = timed_ms(lambda url=url: get(url))
            figures = timed_ms(lambda key=key: page._build_charts(patient, key, today))
            if keep:
                samples[f"{key} built_ms"].append(built)
                samples[f"{key} cached_ms"].append(cached)
                samples[f"{key} figures_ms"].append(figures)
    out: dict = {"floor_ms": statistics.median(samples["floor_ms"])}
    for key in page.RANGES:
        html = get(f"/trends/?range={key}").content.decode()
        blocks = re.findall(
            r'<script id="chart-[\w-]+-data" type="application/json">(.*?)</script>', html, re.S
        )
        out[key] = {
            what: statistics.median(samples[f"{key} {what}"])
            for what in ("built_ms", "cached_ms", "figures_ms")
        }
        out[key]["chart_bytes"] = sum(len(b.encode()) for b in blocks)
        out[key]["first_ms"] = first[key]
    return out


def main() -> None:
    args = parse_args()
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tl_bench")
    if not db_url.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(db_url)
    setup_django(db_url, 0)
    total_rows, patient_id = seed(args.patients, args.days, reseed=False)
    from journal.weekly import weekly_summaries_rebuild

    # The seed writes check-ins only; the long ranges read the patient's weekly summaries.
    weekly_summaries_rebuild(patient_ids=[patient_id])
    print(f"machine: {machine()}  date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"rows: {total_rows:,} check-ins; the first bench patient ({args.days} days)")

    m = measure(patient_id, args.repeat)
    floor = m["floor_ms"]
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"floor: signed-in one-row view  {floor:.2f} ms")
    print(
        f"{'range':<6} {'built ms':>9} {'x floor':>8} {'cached ms':>10} {'x floor':>8} "
        f"{'built/cached':>13} {'figures ms':>11} {'x floor':>8} {'chart KB':>9} {'first ms':>9}"
    )
    for key, f in m.items():
        if not isinstance(f, dict):
            continue
        print(
            f"{key:<6} {f['built_ms']:>9.2f} {f['built_ms'] / floor:>8.2f} "
            f"{f['cached_ms']:>10.2f} {f['cached_ms'] / floor:>8.2f} "
            f"{f['built_ms'] / f['cached_ms']:>13.2f} {f['figures_ms']:>11.2f} "
            f"{f['figures_ms'] / floor:>8.2f} {f['chart_bytes'] / 1024:>9.1f} {f['first_ms']:>9.1f}"
        )
    print(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
