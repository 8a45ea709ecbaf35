"""Running the real aws-okta-processor against the stand-ins: environment, arguments, output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from .okta import OktaStandIn

AOP = "aws-okta-processor"
_KEPT = frozenset({"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"})
_EXPORT = re.compile(r"export (\w+)='([^']*)'")


def aop_executable() -> str:
    """The console script next to this interpreter (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent
    found = shutil.which(AOP, path=str(here)) or shutil.which(AOP)
    if found is None:
        raise FileNotFoundError(f"{AOP} is neither in {here} nor on PATH")
    return found


def aop_env(*, ca_bundle: str, sts_url: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A subprocess environment that only reaches loopback peers.

    Starts from `base` (default: os.environ, which the conftest already pointed at a temp HOME),
    drops AWS_* variables, and sets the CA bundle for both names requests reads: the machine
    sets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE globally, and a system bundle would not trust our CA.
    """
    env = dict(os.environ if base is None else base)
    # Keep the conftest's AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE (temp HOME); anything else
    # AWS_* (a profile, keys, AWS_OKTA_* defaults) would change what the tool does.
    for name in list(env):
        if name.startswith("AWS_") and name not in _KEPT:
            del env[name]
    env.update(
        {
            "REQUESTS_CA_BUNDLE": ca_bundle,
            "CURL_CA_BUNDLE": ca_bundle,
            "AWS_ENDPOINT_URL_STS": sts_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    # A proxy set on a developer machine must never see loopback traffic.
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, [env.get(name, ""), "127.0.0.1", "localhost"]))
    return env


@dataclass(frozen=True)
class AopTarget:
    """Where aws-okta-processor should go: the Okta stand-in and moto's STS."""

    organization: str
    application_url: str
    sign_in_url: str
    sts_url: str
    ca_bundle: str
    env: dict[str, str] = field(repr=False)

    def args(
        self,
        user: str,
        *extra: str,
        environment: bool = True,
        sign_in: bool = False,
    ) -> list[str]:
        """`authenticate` arguments; the password goes in AWS_OKTA_PASS, not argv."""
        out = [
            "authenticate",
            "--user",
            user,
            "--organization",
            self.organization,
            "--application",
            self.application_url,
        ]
        if environment:
            out.append("--environment")
        if sign_in:
            out += ["--sign-in-url", self.sign_in_url]
        return out + list(extra)

    def env_with(self, **extra: str) -> dict[str, str]:
        """A copy of `env` with more variables (e.g. AWS_OKTA_PASS=...)."""
        return {**self.env, **extra}


def aop_target(
    okta: OktaStandIn,
    sts_url: str,
    *,
    ca_bundle: str | None = None,
    base: Mapping[str, str] | None = None,
) -> AopTarget:
    """Target `okta`, trusting `ca_bundle` (default: the CA that signed okta's certificate)."""
    bundle = ca_bundle or okta.ca.bundle_path
    return AopTarget(
        organization=okta.organization,
        application_url=okta.application_url,
        sign_in_url=okta.sign_in_url,
        sts_url=sts_url,
        ca_bundle=bundle,
        env=aop_env(ca_bundle=bundle, sts_url=sts_url, base=base),
    )


def retarget(target: AopTarget, organization: str) -> AopTarget:
    """The same environment aimed at another `host:port` (refused port, black hole)."""
    return replace(
        target,
        organization=organization,
        application_url=f"https://{organization}{urlsplit(target.application_url).path}",
        sign_in_url=f"https://{organization}/saml",
    )


def run_aop(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float = 30.0,
    input: str | None = None,  # noqa: A002 - mirrors subprocess.run
) -> subprocess.CompletedProcess[str]:
    """Run aws-okta-processor without a controlling terminal.

    start_new_session=True: /dev/tty cannot be opened, so the tool's messages land on stdout
    (where the test sees them) instead of the terminal pytest runs in, and prompts read stdin.
    """
    return subprocess.run(
        [aop_executable(), *args],
        env=dict(env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
        check=False,
    )


def parse_exports(stdout: str) -> dict[str, str]:
    """`export NAME='value' && ...` (bash-style `--environment` output) → {NAME: value}."""
    return dict(_EXPORT.findall(stdout))
