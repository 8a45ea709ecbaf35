"""Credentials the current shell holds: read from the environment only, never printed in full."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from bootstrap.org import Org


@dataclass(frozen=True)
class EnvCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    source: str  # which variables they came from, e.g. "INTEGRATES_DEV_AWS_*"


def mask(key_id: str) -> str:
    """ASIA…WXYZ: enough to tell keys apart in a support ticket, not enough to use."""
    return f"{key_id[:4]}…{key_id[-4:]}" if len(key_id) >= 12 else "…"


def from_env(org: Org, environ: dict[str, str] | None = None) -> EnvCredentials | None:
    """`<PREFIX>_AWS_*` first (what okta-login exports for the project), else `AWS_*`."""
    env = os.environ if environ is None else environ
    for prefix, label in ((f"{org.env_prefix}_AWS_", f"{org.env_prefix}_AWS_*"), ("AWS_", "AWS_*")):
        key = env.get(prefix + "ACCESS_KEY_ID", "")
        secret = env.get(prefix + "SECRET_ACCESS_KEY", "")
        if key and secret:
            return EnvCredentials(key, secret, env.get(prefix + "SESSION_TOKEN", ""), label)
    return None


def parse_time(value: str) -> datetime | None:
    """ISO 8601 as aws-okta-processor and STS print it (with Z or an offset)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def expiration(environ: dict[str, str] | None = None) -> datetime | None:
    env = os.environ if environ is None else environ
    return parse_time(env.get("AWS_CREDENTIAL_EXPIRATION", ""))


def human_delta(seconds: float) -> str:
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def describe_env(org: Org, now: datetime | None = None) -> str:
    """One phrase for status lines: are there live credentials in this shell?"""
    found = from_env(org)
    if found is None:
        return "no AWS credentials in this shell (run `okta-login`)"
    expires = expiration()
    if expires is None:
        return f"credentials in {found.source} ({mask(found.access_key_id)}), expiry unknown"
    left = (expires - (now or datetime.now(UTC))).total_seconds()
    if left <= 0:
        return f"credentials expired {human_delta(left)} ago (run `okta-login`)"
    return f"credentials live for {human_delta(left)} ({mask(found.access_key_id)})"
