"""docker-compose.yml, the Dockerfile, the Procfile and the README against the settings.

There is no Docker engine on the machines that build Tideline, so nothing runs the compose file;
these tests read it instead and check that what it starts agrees with what the code expects: the
commands (the WSGI module, the Celery app, the worker and beat the Procfile runs too), every
environment name (a variable the settings actually read), and the ports and hosts each service
reaches the others on.
"""

import ast
import shlex
from pathlib import Path

import environ
import pytest
import yaml
from django.conf import settings
from django.urls import reverse

BASE = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    """Every environment variable config/settings.py reads: `env("X")`, `env.bool("X")`, ..."""
    tree = ast.parse((BASE / "config/settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def env_file_names(path: Path) -> set[str]:
    return {
        line.split("=", 1)[0].strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }


def command(service: dict) -> list[str]:
    value = service["command"]
    return value if isinstance(value, list) else shlex.split(value)


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (BASE / "Procfile.dev").read_text().splitlines():
        if line.strip():
            name, _, cmd = line.partition(":")
            entries[name.strip()] = shlex.split(cmd)
    return entries


def celery_app_and_role(argv: list[str]) -> tuple[str, str]:
    """(the -A app, worker|beat) of a celery command line, however it is launched."""
    at = argv.index("celery")
    rest = argv[at + 1 :]
    app = rest[rest.index("-A") + 1]
    role = next(arg for arg in rest if arg in ("worker", "beat"))
    return app, role


def test_the_settings_read_every_variable_the_compose_file_and_its_example_set(compose):
    read = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"} <= read  # the parser works
    for name in APP_SERVICES:
        unknown = set(compose["services"][name].get("environment", {})) - read
        assert not unknown, f"{name} sets {unknown}, which config/settings.py never reads"
    unknown = env_file_names(BASE / ".env.compose.example") - read
    assert not unknown, f".env.compose.example sets {unknown}, which the settings never read"


def test_the_readme_configuration_table_names_every_variable_the_settings_read():
    readme = (BASE / "README.md").read_text()
    internal = {"TIDELINE_TESTING"}  # set by the test runner only, never by an operator
    missing = [name for name in settings_variables() - internal if f"`{name}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"


def test_web_runs_the_wsgi_application_the_settings_name_on_the_port_it_publishes(compose):
    web = compose["services"]["web"]
    argv = command(web)
    assert argv[0] == "gunicorn"
    module, _, attribute = settings.WSGI_APPLICATION.rpartition(".")
    assert f"{module}:{attribute}" in argv
    bind = argv[argv.index("--bind") + 1]
    port = bind.rpartition(":")[2]
    assert any(str(mapping).endswith(f":{port}") for mapping in web["ports"])
    health = " ".join(web["healthcheck"]["test"])
    assert f"127.0.0.1:{port}{reverse('healthz')}" in health


def test_the_image_runs_the_same_web_command_and_exposes_its_port(compose):
    dockerfile = (BASE / "Dockerfile").read_text().splitlines()
    cmd = next(line for line in dockerfile if line.startswith("CMD "))
    assert ast.literal_eval(cmd.removeprefix("CMD ")) == command(compose["services"]["web"])
    argv = command(compose["services"]["web"])
    port = argv[argv.index("--bind") + 1].rpartition(":")[2]
    assert f"EXPOSE {port}" in dockerfile


def test_worker_and_beat_run_the_celery_app_the_procfile_runs(compose):
    local = procfile()
    assert set(local) == {"web", "worker", "beat"}
    for role in ("worker", "beat"):
        assert celery_app_and_role(command(compose["services"][role])) == celery_app_and_role(
            local[role]
        )
        assert celery_app_and_role(local[role]) == ("config", role)
    # The Procfile's web is the development server on the address the README gives.
    assert local["web"][-2:] == ["runserver", "127.0.0.1:8000"]
    assert "127.0.0.1:8000" in (BASE / "README.md").read_text()


def test_beat_keeps_its_schedule_where_the_image_lets_it_write(compose):
    argv = command(compose["services"]["beat"])
    schedule = next(arg for arg in argv if arg.startswith("--schedule=")).split("=", 1)[1]
    dockerfile = (BASE / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile
    assert schedule.startswith("/app/var/")
    assert "chown -R tideline /app/var" in dockerfile


def test_the_app_reaches_postgres_redis_and_mail_where_those_services_listen(compose):
    services = compose["services"]
    env = services["web"]["environment"]
    for name in APP_SERVICES:
        assert services[name]["environment"] == env, "one environment for every app process"
        for needed in services[name].get("depends_on", {}):
            assert needed in services, f"{name} depends on a service that does not exist"

    db = environ.Env.db_url_config(env["DATABASE_URL"])
    postgres = services["postgres"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], int(db["PORT"] or 5432)) == ("postgres", 5432)
    assert db["NAME"] == postgres["environment"]["POSTGRES_DB"]
    assert db["USER"] == postgres["environment"]["POSTGRES_USER"]
    assert db["PASSWORD"] == postgres["environment"]["POSTGRES_PASSWORD"]
    assert postgres["image"].startswith("postgres:")

    redis_url = env["REDIS_URL"]
    assert redis_url.startswith("redis://redis:6379/")
    assert services["redis"]["image"].startswith("redis:")

    mail = environ.Env.email_url_config(env["EMAIL_URL"])
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == ("mailpit", 1025)  # Mailpit's SMTP port
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert "8025:8025" in services["mailpit"]["ports"]  # its web page, named in the README
    assert "http://localhost:8025" in (BASE / "README.md").read_text()


def test_migrations_run_once_before_the_app_starts(compose):
    services = compose["services"]
    assert command(services["migrate"])[-3:] == ["manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
