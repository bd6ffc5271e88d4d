"""Every configuration knob of the assistant, in one place.

Each setting is read from the environment, with the documented default. The
defaults are the *embedded* configuration: SQLite files under ``var/`` and
in-memory stores, so the assistant runs with nothing else installed. The
production configuration (PostgreSQL, Redis) is selected by setting the URLs.

This module uses the standard library only: it is imported by the launcher,
the action server, the data layer and the tests, in either environment.

``python -m assistant.settings`` prints the table that the README carries.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and what it controls."""

    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "APP_DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'app.db'}",
        "SQLAlchemy URL of the application database (customers, orders, "
        "tickets). Production: `postgresql+psycopg2://user:pass@host:5432/db`.",
    ),
    Setting(
        "TRACKER_DATABASE_URL",
        f"sqlite:///{VAR_DIR / 'tracker.db'}",
        "Where Rasa stores conversations (SQL tracker store). Production: "
        "`postgresql://user:pass@host:5432/db`.",
    ),
    Setting(
        "REDIS_URL",
        "",
        "Redis for the lock store, cache and rate limits, e.g. "
        "`redis://127.0.0.1:6379/0`. Empty: in-memory lock store and cache "
        "(one Rasa process only).",
    ),
    Setting("RASA_PORT", "5005", "Port of the Rasa server (REST and socket.io channels)."),
    Setting("ACTION_SERVER_PORT", "5055", "Port of the action server."),
    Setting(
        "ACTION_ENDPOINT_URL",
        "",
        "URL Rasa calls for custom actions. Empty: "
        "`http://127.0.0.1:$ACTION_SERVER_PORT/webhook`.",
    ),
    Setting(
        "RASA_API_TOKEN",
        "",
        "Token protecting Rasa's HTTP API (tracker, pause/resume). Empty: a "
        "random token is generated once and kept in `var/rasa_api_token`.",
    ),
    Setting("RASA_MODEL_DIR", str(PROJECT_ROOT / "models"), "Where trained Rasa models are kept."),
    Setting(
        "MAX_MESSAGE_CHARS",
        "2000",
        "Longer customer messages get a polite request to shorten them instead of being processed.",
    ),
    Setting("LOG_LEVEL", "INFO", "Log level of both servers (DEBUG logs message texts; avoid it in production)."),
    Setting("COMPANY_NAME", "Kestrel", "Shop name used in answers."),
    Setting("SUPPORT_EMAIL", "support@kestrel.example", "Where customers can write to a person."),
    Setting("SUPPORT_PHONE", "+1 555 0100", "Where customers can call a person."),
    Setting(
        "VERIFICATION_MAX_ATTEMPTS",
        "3",
        "Failed order verifications in one conversation before the form ends.",
    ),
    Setting(
        "VERIFICATION_RATE_LIMIT",
        "10",
        "Failed verifications allowed per order number and per conversation "
        "within `VERIFICATION_RATE_WINDOW_S`; further attempts are refused.",
    ),
    Setting("VERIFICATION_RATE_WINDOW_S", "3600", "Window of the verification rate limit, in seconds."),
    Setting("SEED_CUSTOMERS", "400", "Customers created by the demo seed."),
    Setting("SEED_ORDERS", "3000", "Orders created by the demo seed."),
    Setting(
        "SEED_ANCHOR_DATE",
        "",
        "`YYYY-MM-DD` the demo data is dated relative to (its 'today'). "
        "Empty: the day the seed runs. Same anchor, same data.",
    ),
    Setting(
        "ACTION_PUBLIC_URL",
        "",
        "Base URL at which channels reach the action server's files (chart images). "
        "Empty: `http://127.0.0.1:$ACTION_SERVER_PORT`.",
    ),
    Setting("CHART_DIR", str(VAR_DIR / "charts"), "Where the action server writes chart images it serves under `/charts/`."),
    # --- FAQ skill ---
    Setting("FAQ_KB_DIR", str(PROJECT_ROOT / "data" / "knowledge_base"), "Knowledge-base articles (Markdown with front matter) the FAQ skill answers from."),
    Setting(
        "FAQ_INDEX_DIR",
        str(VAR_DIR / "faq_index"),
        "Where the FAQ index and its manifest are kept; rebuilt at action-server start when the articles or model changed.",
    ),
    Setting("FAQ_INDEX_TYPE", "flat", "FAQ index: `flat` (exact), `hnsw` or `ivf` (approximate, for very large collections)."),
    Setting(
        "FAQ_MODEL_DIR",
        str(PROJECT_ROOT / "models" / "faq-encoder"),
        "Domain-tuned FAQ encoder built by `make faq-model`; used when present, else the base all-MiniLM-L6-v2.",
    ),
    Setting(
        "FAQ_ANSWER_THRESHOLD",
        "",
        "Override of the calibrated score at or above which the FAQ answers. Empty: the value "
        "`python -m retrieval.calibration` wrote to `data/knowledge_base/thresholds.json` for the model in use.",
    ),
    Setting(
        "FAQ_SUGGEST_THRESHOLD",
        "",
        "Override of the calibrated score at or above which the FAQ offers up to 3 article titles. Empty: the calibrated value.",
    ),
    Setting("FAQ_ARTICLE_BASE_URL", "https://help.kestrel.example/articles", "Public help-centre URL; an article's link is `<this>/<article id>`."),
    # --- Market skill ---
    Setting(
        "MARKET_DATA_PROVIDER",
        "bundled",
        "`bundled` (offline real daily prices in `data/market/`, years old) or `alphavantage` (HTTP vendor).",
    ),
    Setting(
        "MARKET_API_BASE_URL",
        "https://www.alphavantage.co",
        "Base URL of the Alpha-Vantage-format market data vendor (`/query` is appended).",
    ),
    Setting("MARKET_API_KEY", "", "API key of the market data vendor; required when `MARKET_DATA_PROVIDER=alphavantage`."),
    Setting("MARKET_QUOTE_TTL_S", "60", "Seconds a stock quote stays cached."),
    Setting("MARKET_HISTORY_TTL_S", "21600", "Seconds daily price histories and finished market analyses stay cached."),
    Setting(
        "MARKET_BENCHMARK",
        "^GSPC",
        "Ticker that beta and correlation are measured against (e.g. `SPY` with a live vendor).",
    ),
    Setting("MARKET_RISK_FREE_RATE", "0.02", "Annual risk-free rate used for portfolio Sharpe ratios (0.02 = 2 %)."),
    # --- Recommendation skill ---
    Setting(
        "RECSYS_ARTIFACT_DIR",
        str(PROJECT_ROOT / "models" / "recommender"),
        "Where `python -m commerce train-recommender` writes the trained recommender "
        "(`manifest.json`, `state.npz`) and the action server loads it from.",
    ),
    Setting(
        "RECSYS_EXPERIMENT",
        "recs-hybrid-vs-popularity",
        "Name of the running recommendation A/B test; each customer (or anonymous "
        "conversation) is assigned to `hybrid` or `popularity` by a hash of it and this name.",
    ),
    Setting(
        "RECSYS_CACHE_TTL_S",
        "900",
        "Seconds a customer's recommendation scores stay cached (Redis when `REDIS_URL` is set); "
        "feedback drops the entry at once.",
    ),
    # --- Channels ---
    Setting("WEB_PORT", "8080", "Port of the web chat page that `make run` serves; `0`: no page server."),
    Setting(
        "WEB_SOCKET_URL",
        "",
        "Address the web chat page opens its socket.io connection to. Empty: the Rasa server on the "
        "page's host at `RASA_PORT`.",
    ),
    Setting(
        "SLACK_BOT_TOKEN",
        "",
        "Bot User OAuth token (`xoxb-…`) of the Slack app. The Slack channel is enabled when this and "
        "`SLACK_SIGNING_SECRET` are set.",
    ),
    Setting("SLACK_SIGNING_SECRET", "", "Signing secret of the Slack app; requests not signed with it are refused."),
    Setting("SLACK_API_BASE_URL", "https://slack.com/api/", "Slack Web API base URL (replies are posted to `chat.postMessage` there)."),
    Setting(
        "TWILIO_ACCOUNT_SID",
        "",
        "Twilio account SID. The WhatsApp channel is enabled when this, `TWILIO_AUTH_TOKEN` and "
        "`TWILIO_WHATSAPP_NUMBER` are set.",
    ),
    Setting("TWILIO_AUTH_TOKEN", "", "Twilio auth token: signs webhook requests (`X-Twilio-Signature`) and authenticates replies."),
    Setting("TWILIO_WHATSAPP_NUMBER", "", "The WhatsApp sender replies come from, e.g. `whatsapp:+14155238886`."),
    Setting("TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio REST API base URL (replies go to its Messages resource)."),
    Setting(
        "TWILIO_WEBHOOK_URL",
        "",
        "Public URL configured in Twilio for incoming messages, used to check signatures behind a proxy. "
        "Empty: the URL the request arrived at.",
    ),
    # --- Handoff ---
    Setting("HANDOFF_ON_REQUEST", "true", "Hand the conversation to a person when the customer asks for one (`true`/`false`)."),
    Setting("HANDOFF_FALLBACK_LIMIT", "2", "Consecutive messages the assistant did not understand before it hands off; `0`: never."),
    Setting(
        "HANDOFF_VERIFICATION_LIMIT",
        "3",
        "Failed order verifications in one conversation before it hands off; `0`: never.",
    ),
    Setting(
        "HANDOFF_UPSET_THRESHOLD",
        "-0.5",
        "Sentiment score (−1 very upset … +1 very happy, `support.sentiment`) at or below which a message "
        "counts as clearly upset and the conversation is handed off; `off`: never.",
    ),
    Setting(
        "SUPPORT_MODEL_DIR",
        str(PROJECT_ROOT / "models" / "support-router"),
        "Where `python -m support.train` writes the ticket category/priority model (`manifest.json`, "
        "`weights.npz`) and the handoff loads it from.",
    ),
    Setting(
        "SUPPORT_QUEUES",
        "orders=orders,payments=billing,returns=orders,account=accounts,market_data=market,technical=technical,other=general",
        "Agent queue of each ticket category, `category=queue` pairs separated by commas; an unlisted category "
        "goes to `general`.",
    ),
    # --- Agent console ---
    Setting("CONSOLE_PORT", "8081", "Port of the support agents' console that `make run` serves; `0`: no console."),
    Setting(
        "RASA_SERVER_URL",
        "",
        "Base URL of the Rasa HTTP API the console uses (transcripts, agent replies, resume). "
        "Empty: `http://127.0.0.1:$RASA_PORT`.",
    ),
    Setting("CONSOLE_SESSION_HOURS", "12", "Hours an agent stays logged in to the console without activity."),
    Setting(
        "CONSOLE_SECURE_COOKIE",
        "false",
        "Mark the console's session cookie `Secure` (`true` when the console is served over HTTPS).",
    ),
    Setting(
        "REST_OUTBOX_TTL_S",
        "604800",
        "Seconds messages sent to a REST customer outside a request (agent replies, the rating question) "
        "wait at `GET /webhooks/rest/outbox/<sender>`; they stay in the transcript regardless.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The value of setting *name*: the environment's if set and non-empty, else the default."""
    env = os.environ if environ is None else environ
    value = env.get(name, "")
    return value if value != "" else _BY_NAME[name].default


def get_int(name: str, environ: Optional[Mapping[str, str]] = None) -> int:
    """An integer setting; a malformed value is a configuration error with a clear message."""
    raw = get(name, environ)
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"Setting {name}={raw!r} is not a whole number.") from None


def get_float(name: str, environ: Optional[Mapping[str, str]] = None) -> float:
    """A decimal setting; a malformed value is a configuration error with a clear message."""
    raw = get(name, environ)
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"Setting {name}={raw!r} is not a number.") from None


def action_endpoint_url(environ: Optional[Mapping[str, str]] = None) -> str:
    return get("ACTION_ENDPOINT_URL", environ) or (
        f"http://127.0.0.1:{get('ACTION_SERVER_PORT', environ)}/webhook"
    )


def action_public_url(environ: Optional[Mapping[str, str]] = None) -> str:
    return (get("ACTION_PUBLIC_URL", environ) or f"http://127.0.0.1:{get('ACTION_SERVER_PORT', environ)}").rstrip("/")


def rasa_api_token(environ: Optional[Mapping[str, str]] = None) -> str:
    """The Rasa HTTP API token: the setting, or one generated once and kept in var/."""
    configured = get("RASA_API_TOKEN", environ)
    if configured:
        return configured
    path = VAR_DIR / "rasa_api_token"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def rasa_server_url(environ: Optional[Mapping[str, str]] = None) -> str:
    return (get("RASA_SERVER_URL", environ) or f"http://127.0.0.1:{get('RASA_PORT', environ)}").rstrip("/")


def rasa_endpoint_environment(environ: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """Every variable `endpoints.yml` substitutes, derived from the settings above.

    Rasa fails on an unset variable and its Redis lock store takes host/port/db
    pieces rather than a URL, so the launcher exports all of these.
    """
    tracker_url = get("TRACKER_DATABASE_URL", environ)
    if urlsplit(tracker_url).scheme.split("+")[0] not in ("sqlite", "postgresql"):
        raise SystemExit(
            "TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"not {tracker_url.split('://')[0]}://"
        )
    redis_url = get("REDIS_URL", environ)
    redis = urlsplit(redis_url)
    return {
        "TRACKER_DATABASE_URL": tracker_url,
        "LOCK_STORE_TYPE": "redis" if redis_url else "in_memory",
        "REDIS_HOST": redis.hostname or "127.0.0.1",
        "REDIS_PORT": str(redis.port or 6379),
        "REDIS_DB": redis.path.lstrip("/") or "0",
        "REDIS_PASSWORD": unquote(redis.password or ""),
        "ACTION_ENDPOINT_URL": action_endpoint_url(environ),
    }


def markdown_table() -> str:
    """The README's configuration table."""
    rows = ["| Variable | Default | What it sets |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default.replace(str(PROJECT_ROOT), ".") if s.default else "(empty)"
        rows.append(f"| `{s.name}` | `{default}` | {s.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
