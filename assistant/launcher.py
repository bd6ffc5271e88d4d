"""Starts the action server and the Rasa server together, and stops both.

``python -m assistant.launcher run``   Rasa server with its channels, the web chat page on WEB_PORT and
                                       the support agents' console on CONSOLE_PORT
``python -m assistant.launcher shell`` ``rasa shell`` in this terminal

Before starting it checks what can be checked (a trained model, reachable
PostgreSQL/Redis when configured), migrates the application database and seeds
the embedded one, so a failure is one clear sentence rather than a server that
hangs retrying. Ctrl-C (or SIGTERM) stops both servers.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Mapping, Optional
from urllib.parse import urlsplit

from assistant import settings
from assistant.environments import ENVIRONMENTS, VENV_ROOT
from assistant.web_page import WIDGET, start_page_server

PROJECT_ROOT = settings.PROJECT_ROOT
LOG_DIR = settings.VAR_DIR / "logs"
RASA_BIN = VENV_ROOT / "rasa" / "bin" / "rasa"
ACTIONS_PYTHON = VENV_ROOT / "actions" / "bin" / "python"
READY_TIMEOUT_S = 300
DEMO_PASSWORD_FILE = settings.VAR_DIR / "console_demo_password"


class LaunchError(Exception):
    """A problem the user can fix; shown as one message."""


class StopRequest:
    """Ctrl-C or SIGTERM, noted by the signal handler and polled by the main thread.

    A plain flag, not a threading.Event: Event.set() takes a lock that the main thread may be
    holding inside Event.wait() at the moment the signal arrives, and then the launcher hangs.
    """

    POLL_S = 0.05

    def __init__(self) -> None:
        self._requested = False

    def set(self) -> None:
        self._requested = True

    def is_set(self) -> bool:
        return self._requested

    def wait(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not self._requested and time.monotonic() < deadline:
            time.sleep(self.POLL_S)
        return self._requested


def say(message: str) -> None:
    print(f"[assistant] {message}", flush=True)


def server_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment both servers run with: settings, derived endpoint values, offline flags."""
    env = dict(environ)
    env.update({s.name: settings.get(s.name, environ) for s in settings.SETTINGS})
    env.update(settings.rasa_endpoint_environment(environ))
    env.update(
        {
            "RASA_API_TOKEN": settings.rasa_api_token(environ),
            "RASA_TELEMETRY_ENABLED": "false",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            # Rasa 3.6's dependencies warn about their own deprecated APIs at every start.
            "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def check_reachable(url: str, name: str, default_port: int) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        raise LaunchError(
            f"{name} at {host}:{port} is not reachable ({error.strerror or error}). "
            f"Start it, or unset the variable to use the embedded default."
        ) from None


def preflight(env: dict[str, str]) -> None:
    stale = [e.name for e in ENVIRONMENTS if not e.stamp.exists()]
    if stale:
        raise LaunchError(f"Environment(s) {', '.join(stale)} not built: run `make setup`.")
    model_dir = Path(env["RASA_MODEL_DIR"])
    if not any(model_dir.glob("*.tar.gz")):
        raise LaunchError(f"No trained model in {model_dir}: run `make train`.")
    for variable, port in (("APP_DATABASE_URL", 5432), ("TRACKER_DATABASE_URL", 5432)):
        if not env[variable].startswith("sqlite"):
            check_reachable(env[variable], variable, port)
    if env["REDIS_URL"]:
        check_reachable(env["REDIS_URL"], "REDIS_URL", 6379)


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the application database; seed it only when it is the embedded SQLite one."""
    command = "seed" if env["APP_DATABASE_URL"].startswith("sqlite") else "migrate"
    result = subprocess.run([str(ACTIONS_PYTHON), "-m", "commerce", command], env=env, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise LaunchError(f"`python -m commerce {command}` failed (see above).")


# Engine models trained from the project's data when missing or stale (a second or two when up to
# date; the recommender about 15 s on the demo data), and what is lost without each.
ENGINE_TRAINING = (
    (["commerce", "train-recommender", "--if-stale"], "recommendations are unavailable"),
    (["support.train", "--if-stale"], "handoff tickets are not categorised"),
)


def prepare_engines(env: dict[str, str]) -> None:
    """Train what ENGINE_TRAINING lists; a failure costs one feature, not the assistant."""
    for arguments, without in ENGINE_TRAINING:
        if subprocess.run([str(ACTIONS_PYTHON), "-m", *arguments], env=env, cwd=PROJECT_ROOT).returncode != 0:
            say(f"warning: `python -m {' '.join(arguments)}` failed (see above); {without}")


def prepare_console(env: dict[str, str]) -> None:
    """On the embedded database, a first agent account for trying the console (printed once)."""
    if env["CONSOLE_PORT"] == "0" or not env["APP_DATABASE_URL"].startswith("sqlite"):
        return
    command = [str(ACTIONS_PYTHON), "-m", "support", "demo-agent", "--password-file", str(DEMO_PASSWORD_FILE)]
    if subprocess.run(command, env=env, cwd=PROJECT_ROOT).returncode != 0:
        say("warning: no demo agent account could be created (see above); add one with "
            "`python -m support add-agent`")


def pump(stream: IO[str], prefix: str, log_path: Path, echo: bool) -> None:
    """Copy a server's output to its log file and, with a prefix, to the console."""
    with log_path.open("a") as log:
        for line in stream:
            log.write(line)
            log.flush()
            if echo:
                sys.stdout.write(f"{prefix} {line}")
                sys.stdout.flush()


class Server:
    """One child process, in its own process group so that it is stopped as a whole."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], echo: bool) -> None:
        self.name = name
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / f"{name}.log"
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        assert self.process.stdout is not None
        threading.Thread(
            target=pump, args=(self.process.stdout, f"[{name}]", log_path, echo), daemon=True
        ).start()
        self.log_path = log_path

    def wait_ready(self, url: str, stopping: StopRequest, timeout_s: float = READY_TIMEOUT_S) -> float:
        """Seconds until *url* answers 200; gives up on Ctrl-C, exit of the process or timeout."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if stopping.is_set():
                raise KeyboardInterrupt
            if self.process.poll() is not None:
                raise LaunchError(
                    f"The {self.name} server exited with code {self.process.returncode}; "
                    f"its log is {self.log_path}."
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            stopping.wait(0.5)
        raise LaunchError(f"The {self.name} server was not ready after {timeout_s:.0f} s; see {self.log_path}.")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def start_server(servers: list[Server], name: str, label: str, command: list[str], env: dict[str, str],
                 echo: bool, ready_url: str, stopping: StopRequest) -> Server:
    """Start a server (log var/logs/<name>.log) and wait until *ready_url* answers. It joins
    *servers* first, so that it is stopped with the others even if Ctrl-C comes while it starts."""
    server = Server(name, command, env, echo)
    servers.append(server)
    seconds = server.wait_ready(ready_url, stopping)
    say(f"{label} ready on :{urlsplit(ready_url).port} ({seconds:.1f} s)")
    return server


def rasa_run_command(env: dict[str, str]) -> list[str]:
    command = [
        str(RASA_BIN),
        "run",
        "--model",
        env["RASA_MODEL_DIR"],
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--port",
        env["RASA_PORT"],
        "--enable-api",
        "--auth-token",
        env["RASA_API_TOKEN"],
        "--cors",
        "*",
    ]
    if env["LOG_LEVEL"].upper() == "DEBUG":
        command.append("--debug")
    return command


def print_usage(env: dict[str, str]) -> None:
    port = env["RASA_PORT"]
    say("ready. Talk to it over REST, for example:")
    print(
        f"""
  curl -s -X POST http://127.0.0.1:{port}/webhooks/rest/webhook \\
       -H 'Content-Type: application/json' \\
       -d '{{"sender": "me", "message": "where is my order?"}}'

  socket.io channel: http://127.0.0.1:{port}/socket.io
{channel_lines(env)}
  logs: {LOG_DIR}/    stop: Ctrl-C
""",
        flush=True,
    )


def channel_lines(env: dict[str, str]) -> str:
    """The web page URL and the webhook URL of each messaging channel, or how to enable it."""
    port = env["RASA_PORT"]
    lines = []
    if env["WEB_PORT"] != "0":
        lines.append(f"  web chat page:     http://127.0.0.1:{env['WEB_PORT']}/")
    if env["CONSOLE_PORT"] != "0":
        demo = DEMO_PASSWORD_FILE
        login = f" (agent demo's password: {demo.relative_to(PROJECT_ROOT)})" if demo.exists() else ""
        lines.append(f"  agent console:     http://127.0.0.1:{env['CONSOLE_PORT']}/{login}")
    slack = env["SLACK_BOT_TOKEN"] and env["SLACK_SIGNING_SECRET"]
    whatsapp = env["TWILIO_ACCOUNT_SID"] and env["TWILIO_AUTH_TOKEN"] and env["TWILIO_WHATSAPP_NUMBER"]
    lines.append(f"  Slack webhook:     http://<public host>:{port}/webhooks/slack/webhook" if slack
                 else "  Slack:             off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)")
    lines.append(f"  WhatsApp webhook:  http://<public host>:{port}/webhooks/whatsapp/webhook" if whatsapp
                 else "  WhatsApp:          off (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER)")
    return "\n".join(lines)


def serve_page(env: dict[str, str]):
    """The web chat page server, or None when WEB_PORT is 0."""
    if env["WEB_PORT"] == "0":
        return None
    if not WIDGET.exists():
        say(f"note: {WIDGET.relative_to(PROJECT_ROOT)} is missing (run `make setup`); the page will say so")
    try:
        return start_page_server(env)
    except OSError as error:  # the assistant itself still works; say why there is no page
        say(f"note: no web chat page: port {env['WEB_PORT']} is not free ({error.strerror or error}); "
            "set WEB_PORT to a free port, or 0 for no page")
        env["WEB_PORT"] = "0"
        return None


def run(shell: bool) -> int:
    env = server_environment()
    preflight(env)
    prepare_database(env)
    prepare_engines(env)
    prepare_console(env)
    servers: list[Server] = []
    page = None
    stopping = StopRequest()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    if not shell:  # in shell mode Ctrl-C belongs to rasa shell, which shares the terminal
        signal.signal(signal.SIGINT, request_stop)
    try:
        actions_port, console_port = env["ACTION_SERVER_PORT"], env["CONSOLE_PORT"]
        start_server(servers, "actions", "action server",
                     [str(ACTIONS_PYTHON), "-m", "assistant.action_server", "--port", actions_port],
                     env, not shell, f"http://127.0.0.1:{actions_port}/health", stopping)
        if shell:
            say("starting rasa shell (type /stop to quit)")
            command = [str(RASA_BIN), "shell", "--model", env["RASA_MODEL_DIR"], "--endpoints", "endpoints.yml",
                       "--port", env["RASA_PORT"]]
            return subprocess.run(command, env=env, cwd=PROJECT_ROOT).returncode
        page = serve_page(env)  # page and console before Rasa, so both are there when Rasa answers
        if console_port != "0":
            start_server(servers, "console", "agent console",
                         [str(ACTIONS_PYTHON), "-m", "console", "--port", console_port],
                         env, True, f"http://127.0.0.1:{console_port}/health", stopping)
        start_server(servers, "rasa", "Rasa server", rasa_run_command(env), env, True,
                     f"http://127.0.0.1:{env['RASA_PORT']}/", stopping)
        print_usage(env)
        while not stopping.wait(1.0):
            for server in servers:
                if server.process.poll() is not None:
                    raise LaunchError(f"The {server.name} server stopped unexpectedly; see {server.log_path}.")
        return 0
    finally:
        if page is not None:
            page.shutdown()
        if servers:
            say("stopping servers")
        for server in reversed(servers):
            server.stop()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["run", "shell"])
    args = parser.parse_args(argv)
    settings.VAR_DIR.mkdir(exist_ok=True)
    try:
        return run(shell=args.mode == "shell")
    except LaunchError as error:
        print(f"[assistant] ERROR: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except SystemExit as error:  # a settings error raised with a message
        if isinstance(error.code, str):
            print(f"[assistant] ERROR: {error.code}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
