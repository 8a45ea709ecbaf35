"""okta-login's behaviour in real bash, zsh and fish, with a stand-in aws-okta-processor on PATH.

The real tool against a local Okta and STS is exercised in test_login_e2e.py.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from shellkit import LOGIN_VARS, SHELLS, STUB_DIR, parse_env, run_shell, source_cmd, write_dropin

from bootstrap import shells
from bootstrap.cli import run
from bootstrap.org import Org

pytestmark = pytest.mark.shells

BEFORE = {name: f"before-{i}" for i, name in enumerate(LOGIN_VARS)}


def _env(tmp_path: Path, mode: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BEFORE)
    env["PATH"] = f"{STUB_DIR}{os.pathsep}{env['PATH']}"
    env["STUB_MODE"] = mode
    env["STUB_ARGS"] = str(tmp_path / "args")
    env["STUB_PWNED"] = str(tmp_path / "pwned")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp_path / "tmp")
    return env


def _login(
    shell: str, tmp_path: Path, mode: str, args: str = "", org: Org | None = None
) -> tuple[int, dict[str, str], str]:
    dropin = write_dropin(tmp_path, shell, org=org)
    status = "$status" if shell == "fish" else "$?"
    script = f'{source_cmd(shell, dropin)}; okta-login {args}; echo "rc={status}"; env'
    proc = run_shell(shell, script, _env(tmp_path, mode))
    rc_line = next(line for line in proc.stdout.splitlines() if line.startswith("rc="))
    assert list((tmp_path / "tmp").iterdir()) == [], "okta-login left its stderr file behind"
    return int(rc_line[3:]), parse_env(proc.stdout), proc.stderr


def _args(tmp_path: Path) -> list[str]:
    return (tmp_path / "args").read_text().splitlines()


@pytest.mark.parametrize("shell", SHELLS)
def test_success_sets_the_seven_variables(shell: str, tmp_path: Path) -> None:
    rc, env, err = _login(shell, tmp_path, "success")
    assert rc == 0, err
    assert env["AWS_ACCESS_KEY_ID"] == "ASIASTUBKEY0000WXYZ"
    assert env["INTEGRATES_DEV_AWS_ACCESS_KEY_ID"] == "ASIASTUBKEY0000WXYZ"
    assert (
        env["AWS_SECRET_ACCESS_KEY"]
        == env["INTEGRATES_DEV_AWS_SECRET_ACCESS_KEY"]
        != BEFORE["AWS_SECRET_ACCESS_KEY"]
    )
    assert (
        env["AWS_SESSION_TOKEN"]
        == env["INTEGRATES_DEV_AWS_SESSION_TOKEN"]
        == "dG9rZW4vdG9rZW4rdG9rZW4=dG9rZW4"
    )
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2031-01-01T00:00:00.000000Z"
    assert "role integrates-dev (account 205810638802) active until 2031-01-01" in err
    args = _args(tmp_path)
    assert args[:1] == ["authenticate"]
    pairs = dict(zip(args[1::2], args[2::2], strict=False))
    assert pairs["--user"] == "dev@example.com"
    assert pairs["--role"] == "arn:aws:iam::205810638802:role/integrates-dev"
    assert pairs["--key"] == "integrates-dev"
    assert pairs["--duration"] == "32400"
    assert pairs["--organization"] == "fluidattacks.okta.com"
    assert "--environment" in args and "--silent" in args
    assert "--pass" not in args and "-p" not in args
    assert ("--target-shell" in args) == (shell == "fish")


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("mode", ["fail", "traceback", "empty", "garbage", "extra"])
def test_failure_leaves_every_variable_unchanged(shell: str, mode: str, tmp_path: Path) -> None:
    rc, env, err = _login(shell, tmp_path, mode)
    assert rc != 0
    assert {k: env.get(k) for k in LOGIN_VARS} == BEFORE
    assert not (tmp_path / "pwned").exists(), "okta-login ran code from the tool's output"
    lines = [ln for ln in err.splitlines() if ln.startswith("okta-login:")]
    assert len(lines) == 1, err
    if mode == "fail":
        assert rc == 1 and "exit 1" in lines[0] and "Authentication failed" in lines[0]
    elif mode == "traceback":
        # The tool's traceback stays off the terminal; its last line explains the failure.
        assert rc == 1 and "ReadTimeout: Read timed out" in lines[0]
        assert "Traceback" not in err
    else:
        assert "no credentials received" in lines[0]


@pytest.mark.parametrize("shell", SHELLS)
def test_role_argument_and_extra_options_pass_through(shell: str, tmp_path: Path) -> None:
    rc, env, err = _login(shell, tmp_path, "success", "other-role --no-aws-cache")
    assert rc == 0, err
    args = _args(tmp_path)
    assert args[args.index("--role") + 1] == "arn:aws:iam::205810638802:role/other-role"
    assert args[args.index("--key") + 1] == "other-role"
    assert args[-1] == "--no-aws-cache"
    assert "role other-role" in err


@pytest.mark.parametrize("shell", SHELLS)
def test_options_without_role_keep_the_default_role(shell: str, tmp_path: Path) -> None:
    rc, _, err = _login(shell, tmp_path, "success", "--no-aws-cache")
    assert rc == 0, err
    args = _args(tmp_path)
    assert args[args.index("--key") + 1] == "integrates-dev"
    assert "--no-aws-cache" in args


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("role", ["'x;touch pwned'", '"a b"', "'$(id)'", "x" * 65])
def test_invalid_role_is_refused_before_running_the_tool(shell: str, role: str, tmp_path: Path) -> None:
    rc, env, err = _login(shell, tmp_path, "success", role)
    assert rc == 2
    assert "invalid role name" in err
    assert not (tmp_path / "args").exists()
    assert {k: env.get(k) for k in LOGIN_VARS} == BEFORE


@pytest.mark.parametrize("shell", SHELLS)
def test_sign_in_url_from_the_org_is_passed(shell: str, tmp_path: Path) -> None:
    org = Org(sign_in_url="https://signin.amazonaws-us-gov.com/saml")
    rc, _, err = _login(shell, tmp_path, "success", org=org)
    assert rc == 0, err
    args = _args(tmp_path)
    assert args[args.index("--sign-in-url") + 1] == "https://signin.amazonaws-us-gov.com/saml"


@pytest.mark.parametrize("shell", SHELLS)
def test_help_lists_the_roles_without_running_the_tool(shell: str, tmp_path: Path) -> None:
    dropin = write_dropin(tmp_path, shell, org=Org(roles=("integrates-dev", "integrates-prod")))
    proc = run_shell(shell, f"{source_cmd(shell, dropin)}; okta-login --help", _env(tmp_path, "success"))
    assert proc.returncode == 0
    assert "usage: okta-login [ROLE]" in proc.stdout
    assert "integrates-dev integrates-prod" in proc.stdout
    assert not (tmp_path / "args").exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_missing_tool_is_explained(shell: str, tmp_path: Path) -> None:
    dropin = write_dropin(tmp_path, shell)
    env = _env(tmp_path, "success")
    env["PATH"] = "/usr/bin:/bin"
    status = "$status" if shell == "fish" else "$?"
    proc = run_shell(shell, f'{source_cmd(shell, dropin)}; okta-login; echo "rc={status}"', env)
    assert "rc=127" in proc.stdout
    assert "aws-okta-processor not found: run: bootstrap doctor" in proc.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_a_venv_off_path_is_called_by_full_path(
    shell: str, tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start without Nix: pip put the tool beside bootstrap's Python, in a venv not on PATH."""
    venv_bin = tmp_path / "venv with space" / "bin"
    venv_bin.mkdir(parents=True)
    shutil.copy(STUB_DIR / "aws-okta-processor", venv_bin / "aws-okta-processor")
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert run(["setup", "--user", "dev@example.com", "--shell", shell, "--no-verify"]) == 0
    dropin = shells.dropin_path(shell)
    assert str(venv_bin / "aws-okta-processor") in dropin.read_text()
    env = _env(tmp_path, "success")
    env["PATH"] = "/usr/bin:/bin"
    status = "$status" if shell == "fish" else "$?"
    proc = run_shell(shell, f'{source_cmd(shell, dropin)}; okta-login; echo "rc={status}"', env)
    assert "rc=0" in proc.stdout, proc.stderr
    assert _args(tmp_path)[0] == "authenticate"
