"""Validation of every value that ends up in generated shell code or in an AWS ARN.

Each validator returns the value unchanged or raises BootstrapError naming `where` (a flag, a file key)
and what is expected. The character sets are deliberately narrow: quoting is a second line of defence.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bootstrap.errors import BootstrapError

# Okta logins are usually emails; plus-addressing and subdomains included, no quotes or spaces.
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# IAM role names: https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
# A leading "-" is refused: okta-login and aws-okta-processor would read it as an option.
ROLE_RE = re.compile(r"^[A-Za-z0-9+=,.@_][A-Za-z0-9+=,.@_-]{0,63}$")
HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"(?::[0-9]{1,5})?$"
)
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
# Characters allowed in URL paths/queries we render; no quotes, spaces, backslashes or `$`.
URL_CHARS_RE = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!&()*+,;=%-]+$")
REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]$")


def _fail(where: str, value: object, expected: str) -> BootstrapError:
    return BootstrapError(f"{where}: invalid value {value!r}: expected {expected}")


def user(value: str, where: str = "--user") -> str:
    if not EMAIL_RE.fullmatch(value) or len(value) > 254:
        raise _fail(where, value, "the Okta login email, like name@example.com")
    return value


def role(value: str, where: str = "--role") -> str:
    if not ROLE_RE.fullmatch(value):
        raise _fail(
            where, value, "an IAM role name: 1-64 of letters, digits and +=,.@_- (not starting with -)"
        )
    return value


def organization(value: str, where: str = "okta.organization") -> str:
    if not HOST_RE.fullmatch(value):
        raise _fail(where, value, "an Okta host name or host:port, like example.okta.com")
    port = value.rpartition(":")[2] if ":" in value else None
    if port is not None and not 0 < int(port) < 65536:
        raise _fail(where, value, "a port between 1 and 65535")
    return value


def https_url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or not URL_CHARS_RE.fullmatch(value):
        raise _fail(where, value, "an https:// URL without spaces or quotes")
    organization(parts.netloc, where)
    return value


def account_id(value: str, where: str = "aws.account_id") -> str:
    if not ACCOUNT_RE.fullmatch(value):
        raise _fail(where, value, "a 12-digit AWS account id, as a string")
    return value


def env_prefix(value: str, where: str = "aws.env_prefix") -> str:
    if not PREFIX_RE.fullmatch(value):
        raise _fail(where, value, "upper-case letters, digits and _, starting with a letter")
    return value


def region(value: str, where: str = "aws.region") -> str:
    if not REGION_RE.fullmatch(value):
        raise _fail(where, value, "an AWS region like us-east-1")
    return value


def duration(value: int, where: str = "aws.duration_seconds") -> int:
    # STS AssumeRoleWithSAML accepts 15 minutes to 12 hours.
    if isinstance(value, bool) or not 900 <= value <= 43200:
        raise _fail(where, value, "a whole number of seconds from 900 to 43200")
    return value
