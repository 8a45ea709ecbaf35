"""The CLI surface: version, help for every command, fast start (no heavy imports), packaged templates."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bootstrap import __version__
from bootstrap.cli import app, run

REPO = Path(__file__).parent.parent
HEAVY = ("boto3", "botocore", "requests", "urllib3", "jinja2")


def _bootstrap(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bootstrap", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def test_version() -> None:
    proc = _bootstrap("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"bootstrap {__version__}\n"


def test_version_through_typer_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"bootstrap {__version__}\n"


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _commands()
    assert {"setup", "uninstall", "snippet", "status"} <= set(commands)
    for name in commands:
        assert run([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert f"Usage: bootstrap {name}" in out
        assert len(out.splitlines()) > 3


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["setup", "--frobnicate"]) == 2
    assert "No such option" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["setup", "--help"], ["status", "--short"]])
def test_fast_paths_import_no_heavy_library(args: list[str]) -> None:
    code = (
        "import sys, runpy; sys.argv = ['bootstrap', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('bootstrap', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    last = proc.stdout.strip().splitlines()[-1]
    assert last == "LOADED []", proc.stdout + proc.stderr


NETWORK = ("boto3", "botocore", "requests", "urllib3")


@pytest.mark.parametrize(
    "args",
    [
        ["setup", "--dry-run", "--user", "dev@example.com", "--shell", "bash"],
        ["snippet", "--shell", "zsh"],
        ["doctor", "--offline"],
        ["status"],
    ],
)
def test_offline_commands_import_no_network_library(args: list[str], isolated_env: Path) -> None:
    """What keeps `setup --dry-run` and `doctor --offline` within their budgets (bench/RESULTS.md)."""
    assert run(["setup", "--user", "dev@example.com", "--shell", "bash", "--no-verify", "--yes"]) == 0
    code = (
        "import sys, runpy; sys.argv = ['bootstrap', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('bootstrap', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({NETWORK!r})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    last = proc.stdout.strip().splitlines()[-1]
    assert last == "LOADED []", proc.stdout + proc.stderr


def test_an_unreadable_config_path_is_a_user_error(isolated_env: Path) -> None:
    # config.toml is a directory: the user can fix that, so exit 1 with one line, no traceback.
    cfg = isolated_env / ".config/bootstrap/config.toml"
    cfg.mkdir(parents=True)
    proc = _bootstrap("status", env=dict(os.environ))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and str(cfg) in proc.stderr


def test_a_bug_exits_3_with_a_doctor_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The boundary itself: an exception nobody anticipated (injected into the library) is exit 3."""
    from bootstrap import session

    def broken(*_: object) -> None:
        raise RuntimeError("invariant broken")

    monkeypatch.setattr(session, "load", broken)
    assert run(["status"]) == 3
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: invariant broken" in err and "bootstrap doctor" in err
    assert "Traceback" not in err
    monkeypatch.setenv("BOOTSTRAP_DEBUG", "1")  # and the traceback is there for who asks
    with pytest.raises(RuntimeError, match="invariant broken"):
        run(["status"])


def test_templates_ship_inside_the_wheel(tmp_path: Path) -> None:
    # In the Nix sandbox there is no pip: there the package build itself proves the templates ship.
    pytest.importorskip("pip")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("bootstrap-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in (REPO / "templates").glob("*.j2"):
        assert f"bootstrap/templates/{template.name}" in names
    # A non-editable install renders from the packaged copy, not from the checkout.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    code = "import bootstrap.render as r; print(r.templates_dir())"
    where = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert where.stdout.strip() == str(target / "bootstrap" / "templates")
    snippet = subprocess.run(
        [sys.executable, "-m", "bootstrap", "snippet", "--shell", "bash", "--user", "a@example.com"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert snippet.returncode == 0, snippet.stderr
    assert "okta-login()" in snippet.stdout
