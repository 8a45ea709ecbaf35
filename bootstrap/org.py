"""Organization settings: the company's built-in defaults, optionally overridden by an org file (TOML)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bootstrap import validate
from bootstrap.errors import BootstrapError

DEFAULT_SIGN_IN_URL = "https://signin.aws.amazon.com/saml"


@dataclass(frozen=True)
class Org:
    organization: str = "fluidattacks.okta.com"
    application: str = "https://fluidattacks.okta.com/home/amazon_aws/0oa9ahz3rfx1SpStS357/272"
    account_id: str = "205810638802"
    roles: tuple[str, ...] = ("integrates-dev",)
    duration_seconds: int = 32400
    region: str = "us-east-1"
    env_prefix: str = "INTEGRATES_DEV"
    sign_in_url: str | None = None
    # Where these settings came from: "built-in defaults" or the org file's absolute path.
    source: str = field(default="built-in defaults", compare=False)

    @property
    def default_role(self) -> str:
        return self.roles[0]

    def role_arn(self, role: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{role}"

    @property
    def okta_url(self) -> str:
        return f"https://{self.organization}"


# key -> (python type, validator) for each section; shape fixed by the issue.
_SCHEMA: dict[str, dict[str, tuple[type, str]]] = {
    "okta": {"organization": (str, "a string"), "application": (str, "a string")},
    "aws": {
        "account_id": (str, "a string of 12 digits"),
        "roles": (list, "a non-empty list of role names"),
        "duration_seconds": (int, "an integer"),
        "region": (str, "a string"),
        "env_prefix": (str, "a string"),
        "sign_in_url": (str, "a string"),
    },
}


def org_file_from_env() -> Path | None:
    value = os.environ.get("BOOTSTRAP_ORG_FILE", "")
    return Path(value).expanduser() if value else None


def load(path: Path | None) -> Org:
    """Built-in defaults, overridden by `path` if given. Every error names the file and key."""
    if path is None:
        return Org()
    path = path.expanduser().absolute()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise BootstrapError(
            f"org file {path} does not exist", "check --org-file / BOOTSTRAP_ORG_FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BootstrapError(f"org file {path} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        last = text.rstrip("\n").count("\n") + 1
        reason = str(exc).replace("(at end of document)", f"(at line {last}, the end of the file)")
        raise BootstrapError(f"org file {path}: not valid TOML: {reason}") from None
    return parse(data, str(path))


def parse(data: dict[str, Any], where: str) -> Org:
    values: dict[str, Any] = {}
    for section, content in data.items():
        if section not in _SCHEMA:
            # One line with file, key and what is expected: a top-level key is not a section.
            what = f"section [{section}]" if isinstance(content, dict) else f"top-level key {section}"
            raise BootstrapError(f"{where}: unknown {what}: expected only the sections [okta] and [aws]")
        if not isinstance(content, dict):
            raise BootstrapError(f"{where}: {section} must be a table ([{section}])")
        for key, value in content.items():
            if key not in _SCHEMA[section]:
                known = ", ".join(_SCHEMA[section])
                raise BootstrapError(f"{where}: unknown key {section}.{key}: expected one of {known}")
            typ, expected = _SCHEMA[section][key]
            if not isinstance(value, typ) or isinstance(value, bool):
                raise BootstrapError(
                    f"{where}: {section}.{key} must be {expected}, not {type(value).__name__}"
                )
            values[key] = value
    org = replace(Org(), source=where)
    try:
        org = replace(org, **{k: v for k, v in values.items() if k != "roles"})
        if "roles" in values:
            roles = values["roles"]
            if not roles or not all(isinstance(r, str) for r in roles):
                raise BootstrapError(f"{where}: aws.roles must be a non-empty list of strings")
            org = replace(org, roles=tuple(roles))
    except TypeError as exc:  # pragma: no cover - guarded by the schema above
        raise BootstrapError(f"{where}: {exc}") from None
    return check(org, where)


def check(org: Org, where: str) -> Org:
    """Validate every value; errors name `where` and the key."""
    validate.organization(org.organization, f"{where}: okta.organization")
    validate.https_url(org.application, f"{where}: okta.application")
    validate.account_id(org.account_id, f"{where}: aws.account_id")
    for role in org.roles:
        validate.role(role, f"{where}: aws.roles")
    if len(set(org.roles)) != len(org.roles):
        raise BootstrapError(f"{where}: aws.roles has duplicates: {list(org.roles)}")
    validate.duration(org.duration_seconds, f"{where}: aws.duration_seconds")
    validate.region(org.region, f"{where}: aws.region")
    validate.env_prefix(org.env_prefix, f"{where}: aws.env_prefix")
    if org.sign_in_url is not None:
        validate.https_url(org.sign_in_url, f"{where}: aws.sign_in_url")
    return org
