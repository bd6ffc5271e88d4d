"""docker-compose.yml checked against the code (no Docker engine runs here to start it)."""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

import pytest
import yaml

from assistant import settings

ROOT = settings.PROJECT_ROOT
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)")


def environment(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service]["environment"].items()}


def url_from_compose(value: str) -> str:
    """Compose interpolation `${X:?msg}` replaced by a placeholder so the URL parses."""
    return re.sub(r"\$\{[^}]*\}", "secret", value)


def test_the_stack_has_its_four_services_each_with_a_healthcheck() -> None:
    assert set(SERVICES) == {"rasa", "action-server", "postgres", "redis"}
    for name, service in SERVICES.items():
        assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"


def test_services_wait_for_healthy_dependencies() -> None:
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}


@pytest.mark.parametrize("config_file", ["endpoints.yml", "credentials.yml"])
def test_rasa_gets_every_variable_its_config_files_substitute(config_file: str) -> None:
    used = set(VARIABLE.findall((ROOT / config_file).read_text()))
    missing = used - set(environment("rasa"))
    assert not missing, f"{config_file} uses {missing}, not set for the rasa service"


def test_rasa_variables_match_what_the_launcher_derives() -> None:
    derived = set(settings.rasa_endpoint_environment({}))
    assert derived <= set(environment("rasa")) | {"RASA_API_TOKEN"}


def test_action_server_variables_are_documented_settings() -> None:
    known = {s.name for s in settings.SETTINGS}
    unknown = set(environment("action-server")) - known
    assert not unknown, f"not in assistant/settings.py: {unknown}"


def test_urls_point_at_the_compose_services_and_ports() -> None:
    rasa_env = environment("rasa")
    action = urlsplit(rasa_env["ACTION_ENDPOINT_URL"])
    assert action.hostname == "action-server"
    assert str(action.port) == settings.get("ACTION_SERVER_PORT", {})
    assert f"{action.port}:{action.port}" in SERVICES["action-server"]["ports"]
    assert f"{settings.get('RASA_PORT', {})}:{settings.get('RASA_PORT', {})}" in SERVICES["rasa"]["ports"]
    assert rasa_env["REDIS_HOST"] == "redis" and rasa_env["LOCK_STORE_TYPE"] == "redis"

    tracker = urlsplit(url_from_compose(rasa_env["TRACKER_DATABASE_URL"]))
    app = urlsplit(url_from_compose(environment("action-server")["APP_DATABASE_URL"]))
    assert tracker.scheme == "postgresql" and tracker.hostname == "postgres"
    assert app.scheme.startswith("postgresql") and app.hostname == "postgres"
    assert urlsplit(environment("action-server")["REDIS_URL"]).hostname == "redis"
    init_sql = (ROOT / "docker" / "postgres-init.sql").read_text()
    assert f"CREATE DATABASE {tracker.path.lstrip('/')}" in init_sql


def test_rasa_command_uses_the_configured_port_and_files() -> None:
    command = SERVICES["rasa"]["command"]
    assert command[command.index("--port") + 1] == settings.get("RASA_PORT", {})
    for flag in ("--endpoints", "--credentials"):
        assert (ROOT / command[command.index(flag) + 1]).exists()


@pytest.mark.parametrize("service", ["rasa", "action-server"])
def test_dockerfiles_exist_and_copy_only_files_that_exist(service: str) -> None:
    build = SERVICES[service]["build"]
    dockerfile = ROOT / build["context"] / build["dockerfile"]
    assert dockerfile.exists()
    text = dockerfile.read_text()
    copies = [shlex.split(line)[1:-1] for line in text.splitlines() if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"
    port = settings.get("ACTION_SERVER_PORT" if service == "action-server" else "RASA_PORT", {})
    assert f"EXPOSE {port}" in text


def _first_party_imports(paths: list) -> set[str]:
    """Top-level project packages imported by *paths*, followed transitively."""
    import ast

    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    seen: set[str] = set()
    pending = list(paths)
    while pending:
        tree = ast.parse(pending.pop().read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for top in {n.split(".")[0] for n in names} & packages - seen:
                seen.add(top)
                pending.extend((ROOT / top).rglob("*.py"))
    return seen


def test_action_server_image_holds_every_package_the_actions_import() -> None:
    dockerfile = ROOT / "docker" / "actions.Dockerfile"
    copied = {
        source.split("/")[0]
        for line in dockerfile.read_text().splitlines()
        if line.startswith("COPY ")
        for source in shlex.split(line)[1:-1]
    }
    needed = _first_party_imports([*(ROOT / "actions").glob("*.py"), ROOT / "assistant" / "action_server.py"])
    assert {"actions", "commerce", "market", "retrieval", "recsys"} <= needed
    assert needed <= copied, f"{dockerfile.name} does not copy {needed - copied}"
