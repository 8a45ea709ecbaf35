"""A fresh interactive shell has okta-login after setup and not after uninstall."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bootstrap.cli import run

pytestmark = pytest.mark.shells

PROBE = {
    "bash": ["bash", "-ic", "type okta-login >/dev/null 2>&1 && echo HAVE || echo MISSING"],
    "zsh": ["zsh", "-ic", "whence -w okta-login >/dev/null 2>&1 && echo HAVE || echo MISSING"],
    "fish": ["fish", "-ic", "functions -q okta-login; and echo HAVE; or echo MISSING"],
}


def _probe(shell: str, argv: list[str] | None = None) -> str:
    # New session, no terminal: an interactive shell would otherwise grab the test runner's terminal.
    proc = subprocess.run(
        argv or PROBE[shell],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
    )
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_interactive_shell_gets_okta_login_until_uninstall(shell: str, isolated_env: Path) -> None:
    assert _probe(shell) == "MISSING"
    assert run(["setup", "--user", "dev@example.com", "--shell", shell, "--no-verify"]) == 0
    assert _probe(shell) == "HAVE"
    assert run(["uninstall", "--yes"]) == 0
    assert _probe(shell) == "MISSING"


def test_fish_gets_the_function_through_the_conf_d_loader(isolated_env: Path) -> None:
    assert run(["setup", "--user", "dev@example.com", "--shell", "fish", "--no-verify"]) == 0
    loader = isolated_env / ".config/fish/conf.d/okta-login.fish"
    assert "source " in loader.read_text() and "okta-login()" not in loader.read_text()
    proc = subprocess.run(
        ["fish", "-ic", "okta-login --help"], capture_output=True, text=True, timeout=30,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    assert "usage: okta-login [ROLE]" in proc.stdout, proc.stderr


def test_bash_login_shell_gets_it_through_profile(isolated_env: Path) -> None:
    # Debian/Ubuntu's ~/.profile sources ~/.bashrc only for interactive shells; a login shell
    # over ssh that runs a command would miss it without our guarded block in ~/.profile.
    (isolated_env / ".profile").write_text('echo "profile read"\n')
    assert run(["setup", "--user", "dev@example.com", "--shell", "bash", "--no-verify"]) == 0
    probe = "type okta-login >/dev/null 2>&1 && echo HAVE || echo MISSING"
    assert _probe("bash", ["bash", "-lc", probe]) == "HAVE"
    # dash reads ~/.profile too and must neither fail nor define anything.
    proc = subprocess.run(["sh", "-c", f". {isolated_env}/.profile; {probe}"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("MISSING"), proc.stderr
