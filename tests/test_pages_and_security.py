import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["home", "need_help_now", "account_login", "account_signup"])
def test_every_page_has_the_need_help_link_and_a_strict_csp(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert 'href="/help/"' in response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_the_help_page_shows_crisis_lines_without_login(client):
    response = client.get(reverse("need_help_now"))
    body = response.content.decode()
    assert "988" in body
    assert "741741" in body


def test_pages_load_nothing_from_other_origins(patient_client):
    body = patient_client.get(reverse("profile_settings")).content.decode()
    assert "http://" not in body.replace("http://testserver", "")
    assert "https://" not in body


def test_healthz_checks_the_database(client, db, fresh_heartbeats):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def _manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "TIDELINE_TESTING",
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k7#Qe9!vR2@xT5$wZ8^bN3&mL6*pJ4(hF1)dS0_gC9+aY2=uE5-iO8~sW3",
        ALLOWED_HOSTS="tideline.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_that_turns_two_factor_off_fails_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY="k7#Qe9!vR2@xT5$wZ8^bN3&mL6*pJ4(hF1)dS0_gC9+aY2=uE5-iO8~sW3",
        ALLOWED_HOSTS="tideline.example.org",
        REQUIRE_TWO_FACTOR="false",
    )
    assert result.returncode != 0
    assert "REQUIRE_TWO_FACTOR" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "True"),
        ({"DEBUG": "true"}, "False"),  # the `make run` demo clinician signs in with a password
        ({"DEBUG": "true", "REQUIRE_TWO_FACTOR": "true"}, "True"),
    ],
)
def test_two_factor_is_required_by_default_whenever_debug_is_off(env, expected):
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.REQUIRE_TWO_FACTOR)", **env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_the_trusted_proxy_settings_come_from_the_environment():
    result = _manage(
        "shell",
        "-c",
        "from allauth import app_settings as a; "
        "print(a.TRUSTED_PROXY_COUNT, a.TRUSTED_CLIENT_IP_HEADER)",
        DEBUG="true",
        ALLAUTH_TRUSTED_PROXY_COUNT="2",
        ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2 X-Real-IP"


def test_the_compose_stack_trusts_its_tls_proxy_for_client_addresses():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    app = compose["x-app"]["environment"]
    assert app["BEHIND_TLS_PROXY"] == "true"
    assert app["ALLAUTH_TRUSTED_PROXY_COUNT"] == "${ALLAUTH_TRUSTED_PROXY_COUNT:-1}"
    assert "ALLAUTH_TRUSTED_CLIENT_IP_HEADER" in app


def test_production_without_a_secret_key_refuses_to_start_and_names_it():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="tideline.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_seed_demo_is_refused_when_debug_is_off():
    result = _manage("seed_demo", DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
