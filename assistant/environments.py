"""Builds the two virtual environments from the committed lock files.

Rasa 3.6 and the engines need incompatible pins (numpy 1.23 / SQLAlchemy 1.4 vs
numpy 2 / SQLAlchemy 2), so each gets its own environment. A lock is a full
``pip freeze``; it is installed with ``--no-deps`` so every install is the same.
An environment whose stamp matches its lock's hash is left alone, which makes
``make setup`` a no-op in well under a second when nothing changed.

Standard library only: this runs before any environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_ROOT = PROJECT_ROOT / ".venv"
REQUIREMENTS = PROJECT_ROOT / "requirements"
PIP_VERSION = "24.0"
# matplotlib 3.5.3 (a Rasa pin) has no wheel for Python 3.11: it builds from
# source against the system FreeType and Qhull.
BUILD_PACKAGES = {
    "libfreetype-dev": "/usr/include/freetype2/ft2build.h",
    "libqhull-dev": "/usr/include/libqhull_r/libqhull_r.h",
    "pkg-config": "/usr/bin/pkg-config",
}
# The browser test (tests/channels) drives the system Chromium, never a downloaded build.
TEST_PACKAGES = {"chromium": "/usr/bin/chromium"}
LOCAL_WHEELS = Path("/opt/wheels")


class SetupError(Exception):
    """A problem the user can fix; printed as one clear message, no traceback."""


@dataclass(frozen=True)
class Environment:
    name: str
    lock: Path
    smoke_test: str

    @property
    def path(self) -> Path:
        return VENV_ROOT / self.name

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def stamp(self) -> Path:
        return self.path / ".lock-sha256"


ENVIRONMENTS = (
    Environment("rasa", REQUIREMENTS / "rasa.lock", "import rasa.version; print('rasa', rasa.version.__version__)"),
    Environment(
        "actions",
        REQUIREMENTS / "actions.lock",
        "import rasa_sdk, sqlalchemy, torch, faiss, sentence_transformers; "
        "print('rasa-sdk', rasa_sdk.__version__, 'sqlalchemy', sqlalchemy.__version__, "
        "'torch', torch.__version__)",
    ),
)


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def lock_hash(env: Environment) -> str:
    return hashlib.sha256(env.lock.read_bytes() + PIP_VERSION.encode()).hexdigest()


def is_current(env: Environment) -> bool:
    return env.stamp.exists() and env.stamp.read_text().strip() == lock_hash(env)


def check_python() -> None:
    if sys.version_info[:2] != (3, 11):
        raise SetupError(
            f"Python 3.11 is required (this is {sys.version.split()[0]}). "
            "Install python3.11 and run `make setup` again."
        )


def ensure_build_packages() -> None:
    missing = [pkg for pkg, marker in BUILD_PACKAGES.items() if not Path(marker).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SetupError(
            f"System packages needed to build matplotlib are missing: {' '.join(missing)}. "
            f"Install them with: sudo apt-get install -y {' '.join(missing)}"
        )
    apt_install(missing)


def ensure_test_packages() -> None:
    """Chromium for the browser test: installed as root, otherwise a note (the assistant runs without it)."""
    missing = [pkg for pkg, marker in TEST_PACKAGES.items() if not Path(marker).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        say(f"note: the browser test needs {' '.join(missing)}: sudo apt-get install -y {' '.join(missing)}")
        return
    apt_install(missing)


def apt_install(packages: list[str]) -> None:
    say(f"installing system packages: {' '.join(packages)}")
    command = ["apt-get", "install", "-y", "-q", *packages]
    if run_quietly(["apt-get", "update", "-q"]) != 0 or run_quietly(command) != 0:
        raise SetupError(f"Could not install {' '.join(packages)} with apt-get; install them by hand.")


def run_quietly(command: list[str]) -> int:
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode


def pip_install(env: Environment, args: list[str], log: Path) -> None:
    """Run pip, showing one progress line per package instead of pip's chatter."""
    command = [str(env.python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    if LOCAL_WHEELS.is_dir():
        command += ["--find-links", str(LOCAL_WHEELS)]
    total = sum(1 for line in env.lock.read_text().splitlines() if "==" in line)
    started = time.monotonic()
    seen = 0
    with log.open("a") as log_file, subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "MPLSETUPCFG": str(write_matplotlib_config())},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line)
            if line.startswith(("Collecting", "Processing", "Using cached", "Obtaining")):
                seen += 1
                name = line.split()[1].split("/")[-1][:60]
                say(f"  {env.name}: [{min(seen, total)}/{total}] {name}")
            elif line.startswith("Building wheel for"):
                say(f"  {env.name}: {line.strip()} (takes a few minutes the first time)")
    if process.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise SetupError(
            f"pip failed while building the {env.name} environment (full log: {log}).\n"
            f"Last lines:\n{tail}"
        )
    say(f"  {env.name}: installed in {time.monotonic() - started:.0f} s")


def write_matplotlib_config() -> Path:
    path = Path(tempfile.gettempdir()) / "assistant-mplsetup.cfg"
    path.write_text("[libs]\nsystem_freetype = true\nsystem_qhull = true\n")
    return path


def build(env: Environment) -> None:
    if not env.lock.exists():
        raise SetupError(f"Lock file {env.lock} is missing; run `make lock` to create it.")
    if is_current(env):
        say(f"{env.name}: up to date ({env.path.relative_to(PROJECT_ROOT)})")
        return
    say(f"{env.name}: building {env.path.relative_to(PROJECT_ROOT)} from {env.lock.name}")
    if env.stamp.exists():
        env.stamp.unlink()
    if not env.python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env.path)], check=True)
    log = VENV_ROOT / f"{env.name}-install.log"
    log.write_text("")
    pip_install(env, [f"pip=={PIP_VERSION}"], log)
    pip_install(env, ["--no-deps", "--ignore-requires-python", "-r", str(env.lock)], log)
    smoke = subprocess.run(
        [str(env.python), "-c", env.smoke_test],
        capture_output=True,
        text=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if smoke.returncode != 0:
        raise SetupError(
            f"The {env.name} environment was installed but does not import:\n{smoke.stderr[-2000:]}"
        )
    say(f"{env.name}: ready — {smoke.stdout.strip()}")
    env.stamp.write_text(lock_hash(env))


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        check_python()
        VENV_ROOT.mkdir(exist_ok=True)
        if not all(is_current(env) for env in ENVIRONMENTS):
            ensure_build_packages()
        for env in ENVIRONMENTS:
            build(env)
        ensure_test_packages()
    except SetupError as error:
        print(f"[setup] ERROR: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("[setup] interrupted; run `make setup` again to finish.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
