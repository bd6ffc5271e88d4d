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


def test_the_stack_has_its_five_services_each_with_a_healthcheck() -> None:
    assert set(SERVICES) == {"rasa", "action-server", "console", "postgres", "redis"}
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


@pytest.mark.parametrize("service", ["action-server", "console"])
def test_application_variables_are_documented_settings(service: str) -> None:
    known = {s.name for s in settings.SETTINGS}
    unknown = set(environment(service)) - known
    assert not unknown, f"not in assistant/settings.py: {unknown}"


def test_the_console_reaches_rasa_and_shares_the_databases() -> None:
    console, action_server = environment("console"), environment("action-server")
    rasa_url = urlsplit(console["RASA_SERVER_URL"])
    assert rasa_url.hostname == "rasa" and str(rasa_url.port) == settings.get("RASA_PORT", {})
    assert console["APP_DATABASE_URL"] == action_server["APP_DATABASE_URL"]
    assert console["TRACKER_DATABASE_URL"] == environment("rasa")["TRACKER_DATABASE_URL"]
    port = settings.get("CONSOLE_PORT", {})
    command = SERVICES["console"]["command"]
    assert command[command.index("--port") + 1] == port and f"{port}:{port}" in SERVICES["console"]["ports"]


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


@pytest.mark.parametrize("service", ["rasa", "action-server", "console"])
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
    if service != "console":  # the console shares the action server's image
        port = settings.get("ACTION_SERVER_PORT" if service == "action-server" else "RASA_PORT", {})
        assert f"EXPOSE {port}" in text


def _module_files(module: str) -> list:
    """The project files importing *module* runs: each package's __init__ and the module itself."""
    parts, files = module.split("."), []
    for depth in range(1, len(parts) + 1):
        path = ROOT.joinpath(*parts[:depth])
        files += [f for f in (path / "__init__.py", path.with_suffix(".py")) if f.exists()]
    return files


def _first_party_imports(paths: list) -> set[str]:
    """Top-level project packages imported by *paths*, followed module by module."""
    import ast

    seen_files: set = set()
    pending = list(paths)
    while pending:
        path = pending.pop()
        if path in seen_files:
            continue
        seen_files.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for module in modules:
                pending.extend(_module_files(module))
    return {f.relative_to(ROOT).parts[0] for f in seen_files if f.parent != ROOT}


def copied_packages(dockerfile: str) -> set[str]:
    return {
        source.split("/")[0]
        for line in (ROOT / "docker" / dockerfile).read_text().splitlines()
        if line.startswith("COPY ")
        for source in shlex.split(line)[1:-1]
    }


def test_action_server_image_holds_every_package_the_actions_and_console_import() -> None:
    entry_points = [*(ROOT / "actions").glob("*.py"), ROOT / "assistant" / "action_server.py",
                    *(ROOT / "console").glob("*.py")]
    needed = _first_party_imports(entry_points)
    assert {"actions", "commerce", "market", "retrieval", "recsys", "support", "console"} <= needed
    assert needed <= copied_packages("actions.Dockerfile")


def test_rasa_image_holds_every_package_its_config_loads() -> None:
    """Channels (credentials.yml) and policies (config.yml) are imported by the Rasa server."""
    components = re.findall(r"^\s*(?:- name: )?([a-z_]+)\.[\w.]+:?\s*$",
                            (ROOT / "credentials.yml").read_text() + (ROOT / "config.yml").read_text(), re.M)
    assert {"channels", "dialogue"} <= set(components)
    needed = _first_party_imports([p for top in set(components) for p in (ROOT / top).glob("*.py")])
    assert {"channels", "dialogue", "support", "assistant"} <= needed | set(components)
    assert needed | set(components) <= copied_packages("rasa.Dockerfile")
