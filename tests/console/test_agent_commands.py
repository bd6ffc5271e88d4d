"""``python -m support`` agent commands: add, list, disable, and the demo agent of the embedded setup."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from commerce import migrate
from commerce.db import make_session_factory
from console.agents import AgentDirectory
from support.__main__ import main as support_cli


@pytest.fixture
def migrated(sqlite_url: str) -> str:
    migrate.upgrade(sqlite_url)
    return sqlite_url


def _directory(url: str) -> AgentDirectory:
    return AgentDirectory(make_session_factory(url))


def test_add_list_and_disable(migrated: str, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert support_cli(["add-agent", "Ann", "--display-name", "Ann from Support", "--password-stdin",
                        "--url", migrated]) == 0
    assert capsys.readouterr().out == "added agent ann (Ann from Support)\n"
    assert _directory(migrated).authenticate("ann", "a long enough secret") is not None

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert support_cli(["add-agent", "bob", "--display-name", "Bob", "--password-stdin", "--url", migrated]) == 1
    assert capsys.readouterr().err == "error: A password needs at least 10 characters.\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("another long secret\n"))
    assert support_cli(["add-agent", "ANN", "--display-name", "Ann 2", "--password-stdin", "--url", migrated]) == 1
    assert "already taken" in capsys.readouterr().err

    assert support_cli(["list-agents", "--url", migrated]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.split()[:4] == ["ann", "Ann", "from", "Support"] and line.endswith("active")
    assert support_cli(["disable-agent", "ann", "--url", migrated]) == 0
    assert support_cli(["disable-agent", "ann", "--url", migrated]) == 1
    assert support_cli(["list-agents", "--url", migrated]) == 0
    assert "disabled" in capsys.readouterr().out.splitlines()[-1]


def test_the_password_prompt_asks_twice(migrated: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["typed once correctly", "typed twice wrongly"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert support_cli(["add-agent", "ann", "--display-name", "Ann", "--url", migrated]) == 1
    assert capsys.readouterr().err == "error: the two passwords differ\n"
    assert _directory(migrated).count() == 0


def test_demo_agent_only_on_a_database_without_agents(migrated: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    password_file = tmp_path / "var" / "console_demo_password"
    assert support_cli(["demo-agent", "--password-file", str(password_file), "--url", migrated]) == 0
    out = capsys.readouterr().out
    password = password_file.read_text().strip()
    assert out == f"console login: demo / {password}\n" and len(password) >= 16
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    demo = _directory(migrated).authenticate("demo", password)
    assert demo is not None and demo.display_name == "Demo Agent"

    assert support_cli(["demo-agent", "--password-file", str(password_file), "--url", migrated]) == 0
    assert capsys.readouterr().out == "" and password_file.read_text().strip() == password
    assert _directory(migrated).count() == 1


def test_agent_commands_on_an_unmigrated_database_fail_cleanly(sqlite_url: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert support_cli(["list-agents", "--url", sqlite_url]) == 1
    assert capsys.readouterr().err.startswith("error: database: ")
