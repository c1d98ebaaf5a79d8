"""The deployment files, checked by reading them: this machine has no Docker engine.

docker-compose.yml and the Dockerfile must stay true to what the app needs: the services that
run it, health checks, the environment that config/settings.py reads, and no secrets in the
repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import ParseResult, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "config" / "settings.py"

APP_SERVICES = ("web", "web2", "worker", "beat")
APP_ROLE = "care_app"
WEB_REPLICAS = ("web", "web2")
ONE_SHOT_SERVICES = {"migrate"}
SECRET_VARIABLES = ("SECRET_KEY", "POSTGRES_PASSWORD", "DB_PASSWORD")
# ${NAME}, ${NAME:-default}, ${NAME:?message} and friends: a value taken from the environment.
REFERENCE = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(?:[:?+-][^}]*)?\}$")
REFERENCE_ANYWHERE = re.compile(r"\$\{[^}]*\}")
PLACEHOLDER = "from-the-environment"
ENV_HELPER_CALL = re.compile(r"""\benv_(?:str|bool|int|list)\(\s*["']([A-Z_][A-Z0-9_]*)["']""")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = (item.split("=", 1) for item in environment)
        return {name: value for name, value in pairs}
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def parse_url(value: str) -> ParseResult:
    """Parse a URL holding ${...} references, whose ':?' would otherwise start a query."""
    return urlparse(REFERENCE_ANYWHERE.sub(PLACEHOLDER, value))


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def mounts_of(service: dict[str, Any]) -> dict[str, str]:
    """Mount target to source, from the short (source:target[:mode]) or the long form."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, target = volume.split(":")[:2]
            mounts[target] = source
    return mounts


def healthcheck_command_of(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def variables_read_by_settings() -> set[str]:
    return set(ENV_HELPER_CALL.findall(SETTINGS_FILE.read_text(encoding="utf-8")))


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [line.strip() for line in joined.splitlines() if line.strip()]


def test_compose_defines_the_web_worker_beat_postgres_pgbouncer_and_redis_services(
    services: dict[str, dict[str, Any]],
) -> None:
    assert {"web", "web2", "worker", "beat", "postgres", "pgbouncer", "redis"} <= services.keys()


def test_every_long_running_service_has_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_every_long_running_service_restarts_unless_stopped(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        expected = "no" if name in ONE_SHOT_SERVICES else "unless-stopped"
        assert service.get("restart", "no") == expected, name


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_reaches_postgres_through_pgbouncer_and_redis_by_service_name(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    environment = environment_of(services[name])
    database = parse_url(environment["DATABASE_URL"])
    redis = parse_url(environment["REDIS_URL"])
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "pgbouncer"
    assert (database.port or 5432) == 5432
    assert database.path == "/" + environment_of(services["postgres"])["POSTGRES_DB"]
    # The application's role, not the owner: it may only INSERT and SELECT on the access log.
    assert database.username == APP_ROLE
    assert database.username != environment_of(services["postgres"])["POSTGRES_USER"]
    assert redis.scheme == "redis"
    assert redis.hostname == "redis"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_behind_transaction_pooling_keeps_no_connection_nor_server_cursor(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    # PgBouncer lends a server connection for one transaction: a persistent connection would
    # only hold a client slot, and a server-side cursor would outlive its transaction.
    environment = environment_of(services[name])
    assert environment["DB_CONN_MAX_AGE"] == "0"
    assert environment["DB_DISABLE_SERVER_SIDE_CURSORS"].lower() == "true"


def test_pgbouncer_pools_transactions_for_the_postgres_database_and_user(
    services: dict[str, dict[str, Any]],
) -> None:
    pgbouncer = services["pgbouncer"]
    environment = environment_of(pgbouncer)
    postgres = environment_of(services["postgres"])
    assert pgbouncer["image"].startswith("edoburu/pgbouncer:")
    assert environment["POOL_MODE"] == "transaction"
    assert environment["DB_HOST"] == "postgres"
    assert environment["DB_NAME"] == postgres["POSTGRES_DB"]
    assert environment["DB_USER"] == APP_ROLE
    # PostgreSQL 15 stores passwords as SCRAM: PgBouncer must speak it to log in.
    assert environment["AUTH_TYPE"] == "scram-sha-256"
    assert int(environment["DEFAULT_POOL_SIZE"]) < int(environment["MAX_CLIENT_CONN"])
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in healthcheck_command_of(pgbouncer)


def test_migrations_connect_to_postgres_directly_not_through_the_pool(
    services: dict[str, dict[str, Any]],
) -> None:
    # A migration needs a session of its own (locks and settings that span transactions).
    environment = environment_of(services["migrate"])
    database = parse_url(environment["DATABASE_URL"])
    assert database.hostname == "postgres"
    assert (database.port or 5432) == 5432
    assert database.path == "/" + environment_of(services["postgres"])["POSTGRES_DB"]
    assert environment.get("DB_DISABLE_SERVER_SIDE_CURSORS", "false").lower() == "false"


def test_migrations_run_as_the_owner_and_then_grant_the_application_role(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    database = parse_url(environment_of(migrate)["DATABASE_URL"])
    command = " ".join(migrate["command"])
    assert database.username == environment_of(services["postgres"])["POSTGRES_USER"]
    assert "manage.py migrate" in command
    assert f"manage.py db_grant_app_role {APP_ROLE}" in command
    assert command.index("migrate --noinput") < command.index("db_grant_app_role")


def test_postgres_creates_the_application_role_when_it_first_creates_the_database(
    services: dict[str, dict[str, Any]],
) -> None:
    postgres = services["postgres"]
    mounts = [volume.split(":") for volume in postgres["volumes"] if volume.startswith("./")]
    scripts = {target: source for source, target, *_ in mounts}
    source = scripts["/docker-entrypoint-initdb.d/10-app-role.sh"]
    script = (ROOT / source).read_text()
    assert f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD :'app_password'" in script
    assert "APP_DB_PASSWORD" in environment_of(postgres)


def test_web2_is_a_second_replica_of_web_on_its_own_host_port(
    services: dict[str, dict[str, Any]],
) -> None:
    web, web2 = services["web"], services["web2"]
    for key in ("image", "command", "environment", "healthcheck", "depends_on", "restart"):
        assert web2[key] == web[key], key
    assert web["ports"] != web2["ports"]
    assert all(port.endswith(":8000") for port in (*web["ports"], *web2["ports"]))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_gets_a_secret_key_and_runs_with_debug_off(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    environment = environment_of(services[name])
    assert environment["SECRET_KEY"]
    assert environment["DEBUG"].lower() == "false"


@pytest.mark.parametrize("name", WEB_REPLICAS)
def test_web_runs_gunicorn_with_the_wsgi_application(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    command = command_of(services[name])
    assert command.startswith("gunicorn ")
    assert "config.wsgi:application" in command
    assert "0.0.0.0:8000" in command


def test_worker_runs_a_celery_worker_of_the_config_app(
    services: dict[str, dict[str, Any]],
) -> None:
    assert command_of(services["worker"]).startswith("celery -A config worker")


def test_beat_runs_celery_beat_of_the_config_app_with_its_schedule_on_a_volume(
    services: dict[str, dict[str, Any]],
) -> None:
    beat = services["beat"]
    command = command_of(beat)
    assert command.startswith("celery -A config beat")
    schedule = re.search(r"(?:--schedule|-s)[ =](\S+)", command)
    assert schedule, "beat should name its schedule file"
    assert any(schedule.group(1).startswith(target + "/") for target in mounts_of(beat))


def test_worker_healthcheck_pings_its_own_node_with_escaped_hostname(
    services: dict[str, dict[str, Any]],
) -> None:
    check = healthcheck_command_of(services["worker"])
    assert "celery -A config inspect ping" in check
    # $$ survives compose's own interpolation, leaving $HOSTNAME for the container's shell.
    assert "celery@$$HOSTNAME" in check
    assert services["worker"]["healthcheck"]["test"][0] == "CMD-SHELL"


def test_web_healthcheck_fetches_a_public_page_without_curl(
    services: dict[str, dict[str, Any]],
) -> None:
    check = healthcheck_command_of(services["web"])
    assert "curl" not in check
    assert "urllib" in check
    assert "http://127.0.0.1:8000/admin/login/" in check


@pytest.mark.parametrize("name", (*WEB_REPLICAS, "worker"))
def test_web_and_worker_wait_for_healthy_pgbouncer_and_redis_and_a_finished_migration(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["pgbouncer"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_is_a_one_shot_migration_before_the_app_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert command_of(migrate).startswith("sh -c python manage.py migrate --noinput && ")
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" not in migrate


@pytest.mark.parametrize(
    ("name", "path"), [("postgres", "/var/lib/postgresql/data"), ("redis", "/data")]
)
def test_data_service_keeps_its_data_on_a_declared_named_volume(
    compose: dict[str, Any], name: str, path: str
) -> None:
    mounts = mounts_of(compose["services"][name])
    assert path in mounts, f"{name} does not mount {path}"
    assert mounts[path] in (compose.get("volumes") or {})


def test_secrets_are_environment_references_not_literals(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        environment = environment_of(service)
        for variable in SECRET_VARIABLES:
            if variable in environment:
                assert REFERENCE.match(environment[variable]), f"{name} sets {variable} literally"
        if "DATABASE_URL" in environment:
            password = parse_url(environment["DATABASE_URL"]).password
            assert password == PLACEHOLDER, f"{name} puts a literal password in DATABASE_URL"


def test_settings_reads_variables_through_the_env_helpers() -> None:
    # Guards the regex below: if settings stop using the helpers, the next test proves nothing.
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL"} <= variables_read_by_settings()


@pytest.mark.parametrize("name", (*APP_SERVICES, *sorted(ONE_SHOT_SERVICES)))
def test_app_service_sets_only_variables_that_settings_read(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    unread = environment_of(services[name]).keys() - variables_read_by_settings()
    assert not unread, f"{name} sets {sorted(unread)}, which config/settings.py never reads"


def test_dockerfile_builds_on_python_3_11_slim() -> None:
    base = next(line for line in dockerfile_instructions() if line.upper().startswith("FROM "))
    assert re.fullmatch(r"FROM python:3\.11(?:\.\d+)?-slim(?:-\w+)?", base, re.IGNORECASE)


def test_dockerfile_runs_the_wsgi_application_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    cmd = next(line for line in reversed(instructions) if line.upper().startswith("CMD "))
    user = next(line for line in reversed(instructions) if line.upper().startswith("USER "))
    assert "gunicorn" in cmd
    assert "config.wsgi:application" in cmd
    assert user.split()[1] not in {"root", "0"}
    assert any(line.upper().startswith("EXPOSE 8000") for line in instructions)


def test_dockerfile_keeps_the_collectstatic_key_out_of_the_image_environment() -> None:
    instructions = dockerfile_instructions()
    collectstatic = [line for line in instructions if "collectstatic" in line]
    assert collectstatic and all(line.upper().startswith("RUN ") for line in collectstatic)
    assert not any(
        line.upper().startswith(("ENV ", "ARG ")) and "SECRET_KEY" in line for line in instructions
    )


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "tests", "bench", "docs"} <= ignored
    assert ignored & {"__pycache__", "**/__pycache__"}
