"""Configuration: defaults, derived endpoint variables, and the README table staying true."""

from __future__ import annotations

import pytest

from assistant import settings


def test_embedded_defaults_need_no_services() -> None:
    derived = settings.rasa_endpoint_environment({})
    assert settings.get("APP_DATABASE_URL", {}).startswith("sqlite:///")
    assert derived["TRACKER_DATABASE_URL"].startswith("sqlite:///")
    assert derived["LOCK_STORE_TYPE"] == "in_memory"
    assert derived["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"


def test_production_urls_become_rasa_endpoint_pieces() -> None:
    derived = settings.rasa_endpoint_environment(
        {
            "TRACKER_DATABASE_URL": "postgresql://rasa:pw@db.internal:5433/rasa",
            "REDIS_URL": "redis://:s%40cret@cache.internal:6380/2",
            "ACTION_SERVER_PORT": "6000",
        }
    )
    assert derived["TRACKER_DATABASE_URL"] == "postgresql://rasa:pw@db.internal:5433/rasa"
    assert (derived["LOCK_STORE_TYPE"], derived["REDIS_HOST"], derived["REDIS_PORT"]) == (
        "redis",
        "cache.internal",
        "6380",
    )
    assert (derived["REDIS_DB"], derived["REDIS_PASSWORD"]) == ("2", "s@cret")
    assert derived["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6000/webhook"


def test_an_empty_variable_means_the_default() -> None:
    assert settings.get("RASA_PORT", {"RASA_PORT": ""}) == "5005"
    assert settings.get("RASA_PORT", {"RASA_PORT": "7000"}) == "7000"


def test_an_unsupported_tracker_store_is_explained() -> None:
    with pytest.raises(SystemExit, match="TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://"):
        settings.rasa_endpoint_environment({"TRACKER_DATABASE_URL": "mysql://x/y"})


def test_a_malformed_number_is_explained() -> None:
    with pytest.raises(SystemExit, match="VERIFICATION_MAX_ATTEMPTS='three' is not a whole number"):
        settings.get_int("VERIFICATION_MAX_ATTEMPTS", {"VERIFICATION_MAX_ATTEMPTS": "three"})


def test_readme_documents_every_setting() -> None:
    readme = (settings.PROJECT_ROOT / "README.md").read_text()
    assert settings.markdown_table() in readme, "README's table is stale: python -m assistant.settings"
