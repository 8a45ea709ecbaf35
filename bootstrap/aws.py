"""AWS STS: who am I, and if that fails, why — classified into reasons a user can act on.

boto3/botocore are imported inside the functions: `bootstrap --help` must not pay for them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bootstrap import creds as credsmod
from bootstrap.creds import EnvCredentials
from bootstrap.errors import BootstrapError
from bootstrap.org import Org

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 5
MAX_ATTEMPTS = 2  # in all, first try included: nothing waits on STS for much more than 10 s


@dataclass(frozen=True)
class Limits:
    """How long to wait on STS. The defaults suit setup and verify; `bootstrap doctor` must finish within
    10 s even when STS never answers, so it passes shorter timeouts and a single attempt."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    max_attempts: int = MAX_ATTEMPTS


ASSUMED_ROLE_RE = re.compile(r"^arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([^/]+)/(.+)$")


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str

    @property
    def role(self) -> str | None:
        match = ASSUMED_ROLE_RE.match(self.arn)
        return match.group(2) if match else None

    @property
    def session_name(self) -> str | None:
        match = ASSUMED_ROLE_RE.match(self.arn)
        return match.group(3) if match else None


class IdentityError(BootstrapError):
    """GetCallerIdentity failed or returned someone else; `reason` is a stable id for tests and JSON."""

    def __init__(self, reason: str, message: str, hint: str, details: dict[str, Any] | None = None):
        super().__init__(message, hint)
        self.reason = reason
        self.details = details or {}


@dataclass
class IdentityReport:
    identity: Identity
    source: str
    expires: datetime | None
    details: dict[str, Any] = field(default_factory=dict)

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expires is None:
            return None
        return (self.expires - (now or datetime.now(UTC))).total_seconds()


def _client(org: Org, credentials: EnvCredentials | None, limits: Limits | None = None) -> Any:
    import botocore.config
    import botocore.session

    limits = limits or Limits()
    config = botocore.config.Config(
        connect_timeout=limits.connect_timeout,
        read_timeout=limits.read_timeout,
        # total_max_attempts counts the first try; botocore's "max_attempts" would add one more.
        retries={"total_max_attempts": limits.max_attempts, "mode": "standard"},
        region_name=org.region,
    )
    if credentials is None:
        # The standard chain: AWS_* variables, AWS_PROFILE, ~/.aws files, SSO...
        session = botocore.session.Session()
        return session.create_client("sts", config=config)
    # Explicit keys: a stray AWS_PROFILE naming a missing profile must not break the call.
    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    return session.create_client(
        "sts",
        config=config,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token or None,
    )


def get_identity(org: Org, credentials: EnvCredentials | None, *, limits: Limits | None = None) -> Identity:
    """GetCallerIdentity; every failure becomes an IdentityError with a reason and a fix."""
    import botocore.exceptions as bex

    try:
        client = _client(org, credentials, limits)
        answer = client.get_caller_identity()
    except bex.ProfileNotFound as exc:
        raise IdentityError(
            "profile-not-found",
            f"AWS_PROFILE names a profile that does not exist: {exc.kwargs.get('profile')}",
            "run `unset AWS_PROFILE` (okta-login does not use profiles), or create that profile",
        ) from None
    except bex.NoCredentialsError:
        raise _no_credentials() from None
    except bex.SSLError as exc:
        raise IdentityError(
            "tls",
            f"TLS to AWS STS failed: {_short(exc)}",
            "behind a TLS-inspecting proxy? point AWS_CA_BUNDLE at its CA certificate",
        ) from None
    except (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError) as exc:
        proxy = _proxy_note()
        raise IdentityError(
            "network",
            f"cannot reach AWS STS: {_short(exc)}",
            f"check the network or proxy settings{proxy}; AWS_CA_BUNDLE for a TLS-inspecting proxy",
        ) from None
    except bex.ClientError as exc:
        raise _classify_client_error(exc) from None
    except bex.BotoCoreError as exc:
        raise IdentityError(
            "aws-error", f"AWS STS call failed: {_short(exc)}", "run `bootstrap doctor`"
        ) from None
    return Identity(str(answer["Account"]), str(answer["Arn"]), str(answer.get("UserId", "")))


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300]


def _proxy_note() -> str:
    names = [
        n for n in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY") if os.environ.get(n)
    ]
    return f" (set here: {', '.join(names)})" if names else ""


def _no_credentials() -> IdentityError:
    return IdentityError(
        "no-credentials", "no AWS credentials in this shell", "run `okta-login` in this shell"
    )


def _classify_client_error(exc: Any) -> IdentityError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", ""))
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        return IdentityError(
            "expired", f"the AWS session has expired ({code})", "run `okta-login --no-aws-cache`"
        )
    if code in ("SignatureDoesNotMatch", "RequestTimeTooSkewed", "InvalidSignatureException") and (
        code == "RequestTimeTooSkewed" or "expired" in message.lower() or "skew" in message.lower()
    ):
        offset = _server_offset(exc.response)
        shown = f" (this clock is {_signed(offset)} off AWS's)" if offset is not None else ""
        return IdentityError(
            "clock-skew",
            f"AWS rejected the request time{shown}: {message[:200]}",
            "set the clock right: `sudo timedatectl set-ntp true` (Linux) or System Settings > Date & Time",
            {"offset_seconds": offset},
        )
    if code in (
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AccessDenied",
    ):
        return IdentityError(
            "invalid-token",
            f"AWS does not accept these credentials ({code})",
            "run `okta-login --no-aws-cache` for fresh ones (and unset stale AWS_* variables)",
        )
    return IdentityError("aws-error", f"AWS STS error {code}: {message[:200]}", "run `bootstrap doctor`")


def _server_offset(response: dict[str, Any]) -> float | None:
    header = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if not header:
        return None
    try:
        server = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return (datetime.now(UTC) - server).total_seconds()


def _ago(now: datetime, then: datetime) -> str:
    return f"{credsmod.human_delta((now - then).total_seconds())} ago"


def _signed(seconds: float) -> str:
    ahead = "ahead" if seconds > 0 else "behind"
    return f"{credsmod.human_delta(seconds)} {ahead}"


def check(
    org: Org, role: str | None, environ: dict[str, str] | None = None, *, limits: Limits | None = None
) -> IdentityReport:
    """The shell's identity, checked against the org's account and `role` (None: any role)."""
    env = dict(os.environ if environ is None else environ)
    found = credsmod.from_env(org, env)
    expires = credsmod.expiration(env)
    now = datetime.now(UTC)
    if found is None and not env.get("AWS_PROFILE"):
        # Without variables or a profile, the chain could still find ~/.aws/credentials; try it.
        source = "AWS credential chain"
    else:
        source = found.source if found else f"AWS_PROFILE={env.get('AWS_PROFILE')}"
    if expires is not None and expires <= now and found is not None:
        raise IdentityError(
            "expired",
            f"the credentials in {found.source} expired {_ago(now, expires)}",
            "run `okta-login` (or `okta-login --no-aws-cache`)",
            {"expired_at": expires.isoformat()},
        )
    identity = get_identity(org, found, limits=limits)
    report = IdentityReport(identity, source, expires)
    if identity.account != org.account_id:
        raise IdentityError(
            "wrong-account",
            f"logged in to account {identity.account}, not {org.account_id} ({identity.arn})",
            "run `okta-login` in this shell (stale AWS_* variables or profile?)",
            {"arn": identity.arn},
        )
    if role is not None and identity.role != role:
        raise IdentityError(
            "wrong-role",
            f"logged in as {identity.arn}, not role {role}",
            f"run `okta-login {role} --no-aws-cache`",
            {"arn": identity.arn},
        )
    return report
