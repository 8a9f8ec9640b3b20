"""The image and the compose file: built from the lock file with hashes, run by an unprivileged
user, health-checked and restarted; the lock file pins exactly what the package needs."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def _locked() -> dict[str, tuple[str, list[str]]]:
    """Name: (version, hashes) of every pin in requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s\\]+)", block)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_the_lock_file_pins_every_runtime_dependency_at_its_pyproject_version_with_hashes() -> None:
    locked = _locked()
    for requirement in _runtime_requirements():
        (pinned,) = {str(s.version) for s in requirement.specifier if s.operator == "=="}
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock"
        assert locked[name][0] == pinned, f"{name}: pyproject {pinned}, lock {locked[name][0]}"
    for name, (_, hashes) in locked.items():
        assert hashes, f"{name} has no hash in requirements.lock"
    assert "--find-links" not in (ROOT / "requirements.lock").read_text()


def test_the_lock_file_holds_every_dependency_of_a_dependency() -> None:
    """The closure of the runtime requirements (as installed here) is locked: an install with
    --require-hashes --no-deps lacks nothing."""
    locked = _locked()
    environment = default_environment()
    seen: set[str] = set()
    todo = list(_runtime_requirements())
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        assert name in locked, f"{name} (needed by the package) is not in requirements.lock"
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for line in requires:
            child = Requirement(line)
            if child.marker is None or child.marker.evaluate({**environment, "extra": ""}):
                todo.append(child)


def test_the_image_installs_from_the_lock_runs_unprivileged_and_is_health_checked() -> None:
    assert "pip install --no-cache-dir --require-hashes --no-deps -r /tmp/requirements.lock" in (
        DOCKERFILE
    )
    # The package itself goes in without its dependencies: they all came from the lock.
    assert "pip install --no-cache-dir --no-deps /tmp/wheels/*.whl" in DOCKERFILE
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^CMD \[\"credit-report\", \"serve\"\]", DOCKERFILE, re.MULTILINE)
    # Only what the image needs is sent to the builder (not .venv, databases or tests).
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored
    assert "!requirements.lock" in ignored


def test_compose_restarts_and_health_checks_the_app_and_requires_a_secret() -> None:
    app = COMPOSE[COMPOSE.index("\n  app:") :]
    assert "restart: unless-stopped" in app
    assert "healthcheck:" in app
    assert "/healthz" in app
    assert "CREDIT_REPORT_SECRET_KEY: ${CREDIT_REPORT_SECRET_KEY:?" in app
