"""Helpers to render okta-login and run it in real shells with the user's config off."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from bootstrap import render
from bootstrap.org import Org

STUB_DIR = Path(__file__).parent / "bin"
SHELLS = ("bash", "zsh", "fish")
# The seven variables okta-login sets.
LOGIN_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "INTEGRATES_DEV_AWS_ACCESS_KEY_ID",
    "INTEGRATES_DEV_AWS_SECRET_ACCESS_KEY",
    "INTEGRATES_DEV_AWS_SESSION_TOKEN",
)


def clean_argv(shell: str, strict: bool = False) -> list[str]:
    """The shell with no user or system config, as zoxide's tests run it."""
    if shell == "bash":
        return ["bash", "--noprofile", "--norc", *(["-e", "-u", "-o", "pipefail"] if strict else []), "-c"]
    if shell == "zsh":
        return [
            "zsh",
            *(["-e", "-u", "-o", "pipefail"] if strict else []),
            "--no-globalrcs",
            "--no-rcs",
            "-c",
        ]
    return ["fish", "--no-config", "--private", "-c"]


def source_cmd(shell: str, path: Path) -> str:
    quoted = render.fish_quote(str(path)) if shell == "fish" else render.sh_quote(str(path))
    return f"source {quoted}" if shell == "fish" else f". {quoted}"


def write_dropin(
    tmp: Path, shell: str, user: str = "dev@example.com", role: str = "integrates-dev", org: Org | None = None
) -> Path:
    path = tmp / f"okta-login.{shell}"
    # The stand-in tool is found on PATH by its bare name (STUB_DIR first), whatever this process's PATH.
    settings = render.LoginSettings(user, role, org or Org(), tool="aws-okta-processor")
    path.write_text(render.render_dropin(shell, settings))
    return path


def run_shell(
    shell: str, script: str, env: Mapping[str, str] | None = None, strict: bool = False, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*clean_argv(shell, strict), script],
        env=dict(env if env is not None else os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def parse_env(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.replace("_", "").isalnum():
            out[name] = value
    return out
