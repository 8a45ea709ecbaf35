"""Bad input, usage errors, shell detection and prompting: exit codes, one clear line, files untouched."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from clikit import cli, snapshot

from bootstrap import paths, render, shells, userconfig

BOOTSTRAP = [sys.executable, "-m", "bootstrap"]
USER = "dev@example.com"
SETUP = ["setup", "--no-verify", "--user", USER]


def has_block(path: Path) -> bool:
    return path.is_file() and render.BEGIN_MARKER.encode() in path.read_bytes()


def sub(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# --- bad input ------------------------------------------------------------------------------------


BAD_INPUT = [
    (["--user", "not-an-email", "--shell", "bash"], "--user"),
    (["--user", "dev'x@example.com", "--shell", "bash"], "--user"),
    (["--user", "dev@example.com;rm -rf ~", "--shell", "bash"], "--user"),
    (["--shell", "bash", "--role=-x"], "--role"),
    (["--shell", "bash", "--role", "dev'x"], "--role"),
    (["--shell", "bash", "--role", "admin"], "--role"),  # valid name, not a role of the organization
    (["--shell", "tcsh"], "--shell"),
    (["--shell", "bash", "--org-file", "/nonexistent/org.toml"], "/nonexistent/org.toml"),
]


@pytest.mark.parametrize(("args", "named"), BAD_INPUT)
@pytest.mark.parametrize("state", ["fresh", "set-up"])
def test_bad_input_is_one_line_and_touches_nothing(
    args: list[str], named: str, state: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"# mine\r\n\xff")
    (isolated_env / ".profile").write_bytes(b"echo hi\n")
    if state == "set-up":
        assert cli(capsys, *SETUP, "--shell", "bash")[0] == 0
    before = snapshot(isolated_env)
    user = [] if "--user" in args else ["--user", USER]
    code, out, err = cli(capsys, "setup", "--no-verify", *user, *args)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("bootstrap: error: ") and named in lines[0], err
    assert len(lines) <= 2  # the error and at most one hint
    assert snapshot(isolated_env) == before
    assert "Changed" not in out


def test_role_not_in_the_organization_names_the_roles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = tmp_path / "org.toml"
    org.write_text('[aws]\nroles = ["dev", "ops"]\n')
    code, _out, err = cli(capsys, *SETUP, "--shell", "bash", "--org-file", str(org), "--role", "admin")
    assert code == 1
    assert "'admin'" in err and "dev, ops" in err and str(org) in err
    assert not paths.config_dir().exists()


@pytest.mark.parametrize(
    "args",
    [
        ["setup", "--bogus"],
        ["setup", "--user"],  # missing value
        ["setup", "--shell"],
        ["setup", "--no-verify", "extra-argument"],
        ["uninstall", "--keep"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str], isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = cli(capsys, *args)
    assert code == 2
    assert "Usage:" in err or "Error:" in err
    assert snapshot(isolated_env) == {}


def test_errors_from_the_real_entry_point(isolated_env: Path) -> None:
    usage = sub([*BOOTSTRAP, "setup", "--bogus"])
    assert usage.returncode == 2 and "No such option" in usage.stderr
    bad = sub([*BOOTSTRAP, "setup", "--no-verify", "--shell", "bash", "--user", "nope"])
    assert bad.returncode == 1
    assert bad.stderr.startswith("bootstrap: error: --user") and "Traceback" not in bad.stderr
    assert snapshot(isolated_env) == {}


# --- shell detection ------------------------------------------------------------------------------


def test_shell_flag_overrides_detection(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/zsh")
    code, _out, err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 0, err
    assert has_block(isolated_env / ".bashrc") and not (isolated_env / ".zshrc").exists()
    assert shells.dropin_path("bash").exists() and not shells.dropin_path("zsh").exists()


@pytest.mark.parametrize("value", ["tcsh", "/bin/tcsh", "powershell", "sh"])
def test_unsupported_shell_flag(value: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = cli(capsys, *SETUP, "--shell", value)
    assert code == 1
    assert repr(value) in err and "bash, zsh and fish" in err and "--shell" in err
    assert snapshot(isolated_env) == {}


def _setup_under(shell: str, login_shell: str) -> subprocess.CompletedProcess[str]:
    # "; true" keeps the shell alive as our parent (a lone command would be exec'd in its place).
    command = shlex.join([*BOOTSTRAP, "setup", "--no-verify", "--user", USER]) + "; true"
    return sub([shell, "-c", command], env={"SHELL": login_shell})


@pytest.mark.shells
def test_unsupported_parent_shell_falls_back_to_login_shell(isolated_env: Path) -> None:
    proc = _setup_under("sh", "/usr/bin/zsh")
    assert proc.returncode == 0, proc.stderr
    assert has_block(isolated_env / ".zshrc") and shells.dropin_path("zsh").exists()
    assert not (isolated_env / ".bashrc").exists()
    cfg = userconfig.load()
    assert cfg is not None and cfg.shell == "zsh"


@pytest.mark.shells
def test_unsupported_parent_and_login_shell_fail(isolated_env: Path) -> None:
    proc = _setup_under("sh", "/bin/tcsh")
    # `; true` hides the exit code from sh: read it from the message and the untouched home instead.
    assert proc.stderr.startswith("bootstrap: error:")
    assert "bash, zsh and fish" in proc.stderr and "--shell" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(isolated_env) == {}
    command = shlex.join([*BOOTSTRAP, "setup", "--no-verify", "--user", USER]) + '; echo "rc=$?"'
    status = sub(["sh", "-c", command], env={"SHELL": "/bin/tcsh"})
    assert status.stdout.strip().endswith("rc=1")


@pytest.mark.shells
def test_zsh_parent_wins_over_login_shell(isolated_env: Path) -> None:
    proc = _setup_under("zsh", "/bin/bash")
    assert proc.returncode == 0, proc.stderr
    assert has_block(isolated_env / ".zshrc") and shells.dropin_path("zsh").exists()
    assert not (isolated_env / ".bashrc").exists()


# --- prompting ------------------------------------------------------------------------------------


def test_no_terminal_and_no_user_fails_naming_the_flag(isolated_env: Path) -> None:
    # stdin is an open pipe nobody writes to: reading it would hang until the timeout.
    proc = subprocess.Popen(
        [*BOOTSTRAP, "setup", "--no-verify", "--shell", "bash"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate()
    assert proc.returncode == 1
    assert "--user" in err.splitlines()[0] and "Traceback" not in err
    assert snapshot(isolated_env) == {}


def test_no_terminal_uses_the_stored_user(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, *SETUP, "--shell", "bash")[0] == 0
    code, _out, err = cli(capsys, "setup", "--no-verify", "--shell", "bash")
    assert code == 0, err
    cfg = userconfig.load()
    assert cfg is not None and cfg.user == USER


def _spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "bootstrap", *args],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )


def test_terminal_prompts_for_the_user_until_valid(isolated_env: Path) -> None:
    child = _spawn("setup", "--no-verify", "--shell", "bash")
    try:
        child.expect_exact("Okta user (email):")
        child.sendline("not an email")
        child.expect("invalid value 'not an email'")
        child.expect_exact("Okta user (email):")
        child.sendline("dev'x@example.com")
        child.expect_exact("Okta user (email):")
        child.sendline("me@example.com")
        child.expect_exact("Continue?")
        assert not (isolated_env / ".bashrc").exists()  # nothing before the confirmation
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert has_block(isolated_env / ".bashrc")
    cfg = userconfig.load()
    assert cfg is not None and cfg.user == "me@example.com"
    assert "'me@example.com'" in shells.dropin_path("bash").read_text()


def _eof_at_prompt() -> tuple[int | None, str]:
    child = _spawn("setup", "--no-verify", "--shell", "bash")
    try:
        child.expect_exact("Okta user (email):")
        child.sendeof()
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close(force=True)
    return child.exitstatus, output


def test_terminal_input_ending_at_the_prompt_changes_nothing(isolated_env: Path) -> None:
    status, output = _eof_at_prompt()
    assert status not in (0, None)
    assert "Traceback" not in output
    assert snapshot(isolated_env) == {}


def test_terminal_input_ending_at_the_prompt_exits_1(isolated_env: Path) -> None:
    status, output = _eof_at_prompt()
    assert status == 1 and "input ended" in output
