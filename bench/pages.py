"""The pages a patient opens every day, side by side with wrk: the check-in form, history and
home against the trends page, and the sign-in page against a hello-world view, in one run.

gunicorn (2 sync workers, production settings plus the floor views: bench.settings) on
PostgreSQL, loopback only, a bounded time per page. One patient with the demo history (about
five months of check-ins, sessions and questionnaires). Run by hand, one benchmark at a time:

    flock /tmp/tideline-bench.lock env \\
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/tl_bench_pages \\
      .venv/bin/python bench/pages.py --port 8541 --duration 10

Goals (issue 15): check-in form, history and home at least the trends page's req/s (ratio >= 1);
the sign-in page at least 0.5x the hello-world view. `--profile` prints where a request's time
goes for each page instead (cProfile, in-process, the Django test client).
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from bench.trends import ensure_database, machine, session_cookie, start_gunicorn, wrk  # noqa: E402

PAGES = {
    "hello": ("/bench/hello", False),
    "one-row": ("/bench/one-row", False),
    "sign-in": ("/accounts/login/", False),
    "trends": ("/trends/", True),
    "check-in form": ("/checkin/", True),
    "history": ("/history/", True),
    "home": ("/", True),
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8541)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--profile", action="store_true")
    p.add_argument(
        "--renderer",
        choices=["remembering", "django"],
        default="remembering",
        help="the form renderer: ours (config/form_renderer.py) or Django's own, to compare",
    )
    return p.parse_args()


def setup(db_url: str) -> int:
    if "bench" not in db_url.rsplit("/", 1)[1]:
        raise SystemExit("use a database whose name contains 'bench'")
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_HSTS_SECONDS="0",
    )
    os.environ.pop("REDIS_URL", None)  # the web and the database alone, as the issue measured
    ensure_database(db_url)
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.demo import DEMO_PATIENT_EMAIL, demo_user_ensure
    from accounts.models import User
    from journal.demo import demo_trends_refresh, seed_journal_history
    from journal.models import CheckIn

    call_command("migrate", verbosity=0)
    patient = demo_user_ensure(
        email=DEMO_PATIENT_EMAIL,
        role=User.Role.PATIENT,
        display_name="Bench",
        time_zone="Europe/London",
    )
    if not CheckIn.objects.filter(patient=patient).exists():
        seed_journal_history(patient)
        demo_trends_refresh(patient_id=patient.pk)
    return patient.pk


def profile(patient_id: int) -> None:
    from django.test import Client

    from accounts.models import User

    signed_in = Client()
    signed_in.force_login(User.objects.get(pk=patient_id))
    anonymous = Client()
    for name, (path, needs_session) in PAGES.items():
        client = signed_in if needs_session else anonymous
        for _ in range(3):
            client.get(path)  # warm
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            assert client.get(path).status_code == 200, path
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(25)
        print(f"===== {name} {path} =====")
        print(out.getvalue()[:6000])


def main() -> None:
    args = parse_args()
    if args.renderer == "django":
        os.environ["BENCH_FORM_RENDERER"] = "django.forms.renderers.DjangoTemplates"
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tl_bench_pages")
    patient_id = setup(db_url)
    if args.profile:
        profile(patient_id)
        return
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install -y wrk")
    cookie = session_cookie(patient_id)
    server = start_gunicorn(args.port)
    try:
        url = f"http://127.0.0.1:{args.port}"
        results = {
            name: wrk(url + path, args.duration, args.connections, cookie if signed else None)
            for name, (path, signed) in PAGES.items()
        }
    finally:
        server.terminate()
        server.wait(10)
    print(machine())
    print(
        f"wrk -t2 -c{args.connections} -d{args.duration}s, gunicorn --workers 2, PostgreSQL, "
        f"form renderer: {args.renderer}"
    )
    print(f"{'page':16} {'req/s':>9} {'p99 ms':>8}  ratio")
    for name, r in results.items():
        floor = "hello" if name in ("hello", "sign-in") else "trends"
        ratio = r["rps"] / results[floor]["rps"]
        goal = {
            "sign-in": " (goal >= 0.5x hello)",
            "check-in form": " (goal >= 1x trends)",
            "history": " (goal >= 1x trends)",
            "home": " (goal >= 1x trends)",
        }.get(name, "")
        print(f"{name:16} {r['rps']:9.0f} {r['p99_ms']:8.1f}  {ratio:5.2f}x {floor}{goal}")


if __name__ == "__main__":
    main()
