"""A whole login world for end-to-end tests: Okta stand-in + moto STS + an org file + bootstrap set up."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.aop import aop_env
from harness.okta import DEFAULT_PASSWORD, DEFAULT_USER, OktaStandIn

from bootstrap.cli import run

VENV_BIN = str(Path(sys.executable).parent)  # where pip put aws-okta-processor


def write_org_file(
    path: Path,
    organization: str,
    roles: list[str],
    account_id: str = "205810638802",
    sign_in: bool = True,
    app_path: str = "/home/amazon_aws/0oa9ahz3rfx1SpStS357/272",
) -> Path:
    lines = [
        "[okta]",
        f'organization = "{organization}"',
        f'application = "https://{organization}{app_path}"',
        "[aws]",
        f'account_id = "{account_id}"',
        f"roles = {json.dumps(roles)}",
        'region = "us-east-1"',
        "duration_seconds = 3600",
    ]
    if sign_in:
        lines.append(f'sign_in_url = "https://{organization}/saml"')
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class World:
    okta: OktaStandIn
    org_file: Path
    home: Path
    env: dict[str, str]  # for shells and subprocesses: loopback peers only, CA trusted, no password

    def with_password(self, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
        return {**self.env, "AWS_OKTA_PASS": password}

    def setup(self, shell: str, user: str = DEFAULT_USER, *extra: str) -> None:
        assert (
            run(
                [
                    "setup",
                    "--user",
                    user,
                    "--shell",
                    shell,
                    "--no-verify",
                    "--org-file",
                    str(self.org_file),
                    *extra,
                ]
            )
            == 0
        )

    def dropin(self, shell: str) -> Path:
        from bootstrap import shells

        return shells.dropin_path(shell)


def make_world(
    okta: OktaStandIn,
    sts_url: str,
    home: Path,
    tmp: Path,
    roles: list[str] | None = None,
    organization: str | None = None,
) -> World:
    roles = roles or ["integrates-dev"]
    org_file = write_org_file(tmp / "org.toml", organization or okta.organization, roles)
    env = aop_env(ca_bundle=okta.ca.bundle_path, sts_url=sts_url)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    (tmp / "tmpdir").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp / "tmpdir")
    return World(okta, org_file, home, env)
