"""The installed package carries the web app and GraphiQL's files, and serves them from any
working directory; without them `serve` refuses to start rather than serve an API alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.app import create_app, frontend_files
from backend.settings import Settings
from tests.reliability.server import free_port

ROOT = Path(__file__).resolve().parent.parent
PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet"]


def _files(folder: Path, pattern: str) -> set[str]:
    """The files of a source folder, relative to it (dotfiles are editor settings)."""
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob(pattern)
        if path.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in path.parts)
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources: a build in the checkout would leave build/ behind, two test runs
    at once would share it, and files others add meanwhile would not be in the wheel."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("backend", "frontend"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    return source


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("credit_report-*.whl")
    return built


def test_the_wheel_holds_every_file_of_the_web_app(source: Path, wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {
        n.removeprefix("backend/frontend/") for n in names if n.startswith("backend/frontend/")
    }
    assert packaged == _files(source / "frontend", "*")
    assert set(frontend_files()) <= packaged
    # Every module of the package, in every subpackage (the list in pyproject.toml is explicit).
    modules = {f"backend/{name}" for name in _files(source / "backend", "*.py")}
    assert modules - names == set()


@pytest.fixture
def installed(wheel: Path, tmp_path: Path) -> Iterator[Path]:
    """The wheel installed into a folder of its own (its dependencies are this environment's)."""
    target = tmp_path / "site"
    subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield target


def test_the_installed_package_serves_the_web_app_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    url = f"sqlite://{elsewhere / 'app.db'}"
    # The installed copy first on the path; the checkout nowhere on it.
    program = (
        f"import sys; sys.path.insert(0, {str(installed)!r}); import backend; "
        f"assert backend.__file__.startswith({str(installed)!r}), backend.__file__; "
        "from backend.cli import main; main()"
    )
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", program, "serve", "--port", str(port), "--database-url", url],
            cwd=elsewhere,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text())
                try:
                    client.get("/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise AssertionError(f"no answer: {(tmp_path / 'serve.log').read_text()}")
            for path in ["/", *(f"/{name}" for name in frontend_files())]:
                response = client.get(path)
                assert response.status_code == 200, path
            assert "<title>" in client.get("/").text
            assert client.get("/graphql", headers={"Accept": "text/html"}).status_code == 200
    finally:
        server.kill()
        server.wait(timeout=20)


def test_the_app_refuses_to_start_without_its_web_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from backend import app as app_module
    from backend.app import FrontendMissing

    incomplete = tmp_path / "frontend"
    incomplete.mkdir()
    (incomplete / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(app_module, "_frontend_candidates", lambda: [incomplete])
    with pytest.raises(FrontendMissing, match=r"incomplete: main\.js, favicon\.svg"):
        create_app(Settings(database_url="unused://"), manage_database=False)
    monkeypatch.setattr(app_module, "_frontend_candidates", lambda: [tmp_path / "nowhere"])
    with pytest.raises(FrontendMissing, match="the web app's files are missing"):
        create_app(Settings(database_url="unused://"), manage_database=False)


def test_serve_says_in_one_line_that_the_web_app_is_missing(
    installed: Path, tmp_path: Path
) -> None:
    shutil.rmtree(installed / "backend" / "frontend" / "vendor")
    program = (
        f"import sys; sys.path.insert(0, {str(installed)!r}); from backend.cli import main; main()"
    )
    url = f"sqlite://{tmp_path / 'app.db'}"
    result = subprocess.run(
        [sys.executable, "-c", program, "serve", "--port", str(free_port()), "--database-url", url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("credit-report: error: the web app in ")
    assert "vendor/graphiql-3.8.3/graphiql.min.js" in last
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "app.db").exists()  # refused before touching the database
