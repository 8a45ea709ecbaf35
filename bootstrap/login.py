"""Setup's confirmation: log in once through aws-okta-processor and check the identity with STS."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bootstrap import aws, tool
from bootstrap.creds import EnvCredentials, human_delta, parse_time
from bootstrap.errors import BootstrapError
from bootstrap.render import LoginSettings

TOOL = tool.NAME
# The tool asks for the password (and MFA codes) on the terminal; give a person time to type.
LOGIN_TIMEOUT = 300


def find_tool() -> str:
    found = tool.find()
    if found is None:
        raise BootstrapError(
            f"{TOOL} is not installed or not on PATH",
            "run `nix develop`, or `pip install aws-okta-processor`",
        )
    return found


def command(settings: LoginSettings, *, environment: bool) -> list[str]:
    """The same authenticate call okta-login makes (credential_process JSON unless `environment`)."""
    org = settings.org
    cmd = [
        find_tool(), "authenticate",
        "--user", settings.user,
        "--organization", org.organization,
        "--application", org.application,
        "--role", org.role_arn(settings.role),
        "--key", settings.role,
        "--duration", str(org.duration_seconds),
        "--silent",
    ]  # fmt: skip
    if org.sign_in_url:
        cmd += ["--sign-in-url", org.sign_in_url]
    if environment:
        cmd.append("--environment")
    return cmd


def authenticate(settings: LoginSettings) -> tuple[EnvCredentials, datetime | None]:
    """Run the tool; the password is typed on the terminal (or taken from AWS_OKTA_PASS), never stored."""
    cmd = command(settings, environment=False)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=LOGIN_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BootstrapError(
            f"{TOOL} did not finish within {LOGIN_TIMEOUT} s", "run `bootstrap doctor` (network?)"
        ) from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0:
        # Without a terminal the tool prints its errors on stdout; show them (they hold no secret).
        said = next((ln for ln in reversed(lines) if ln.startswith(("Error", "ERROR"))), "")
        raise BootstrapError(
            f"Okta login failed ({TOOL} exit {proc.returncode}){': ' + said if said else ''}",
            "check your password and MFA; then `bootstrap setup` again, or `bootstrap doctor`",
        )
    try:
        data = json.loads(lines[-1])
        found = EnvCredentials(
            str(data["AccessKeyId"]), str(data["SecretAccessKey"]), str(data["SessionToken"]), TOOL
        )
    except (IndexError, ValueError, KeyError, TypeError):
        raise BootstrapError(
            "Okta login returned no credentials (cancelled, or unexpected output)",
            "run `bootstrap setup` again, or `bootstrap doctor`",
        ) from None
    return found, parse_time(str(data.get("Expiration", "")))


@contextmanager
def spinner(message: str) -> Iterator[None]:
    """A progress line on a terminal; silent when stderr is not one."""
    if not sys.stderr.isatty():
        yield
        return
    stop = threading.Event()

    def spin() -> None:
        frames = "|/-\\"
        i = 0
        while not stop.wait(0.1):
            sys.stderr.write(f"\r{frames[i % 4]} {message}")
            sys.stderr.flush()
            i += 1

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        sys.stderr.write("\r" + " " * (len(message) + 2) + "\r")
        sys.stderr.flush()


def confirm_setup(settings: LoginSettings, say: Callable[[str], None]) -> aws.Identity:
    """Log in once and prove the identity is the account and role the user asked for."""
    org = settings.org
    say(f"Logging in to {org.organization} as {settings.user} (the password is asked on the terminal)...")
    found, expires = authenticate(settings)
    with spinner("Confirming the identity with AWS STS..."):
        identity = aws.get_identity(org, found)
    if identity.account != org.account_id or identity.role != settings.role:
        raise aws.IdentityError(
            "wrong-role" if identity.account == org.account_id else "wrong-account",
            f"logged in, but as {identity.arn}, not role {settings.role} in account {org.account_id}",
            f"check the role in the org file ({org.source}), then `bootstrap setup` again",
        )
    left = ""
    if expires is not None:
        remaining = human_delta((expires - datetime.now(UTC)).total_seconds())
        left = f", expires {expires:%Y-%m-%d %H:%M} UTC (in {remaining})"
    say(f"Confirmed: {identity.arn} (account {identity.account}){left}")
    return identity
