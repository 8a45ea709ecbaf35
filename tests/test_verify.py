"""`bootstrap setup`'s STS confirmation, `bootstrap verify` (one test per reason) and `bootstrap console`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness.aop import parse_exports, run_aop
from harness.fixtures import OktaFactory
from harness.okta import DEFAULT_USER, BlackHole, OktaStandIn
from harness.sts import MotoSTS
from harness.sts_faults import STSStandIn, error_xml, identity_xml
from login_world import World, make_world, write_org_file

from bootstrap.cli import run

pytestmark = pytest.mark.network

ARN = f"arn:aws:sts::205810638802:assumed-role/integrates-dev/{DEFAULT_USER}"


def _use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Make this process's environment the world's (the CLI runs in-process)."""
    for name, value in env.items():
        if name.startswith(("REQUESTS_", "CURL_", "AWS_", "PATH", "NO_PROXY", "no_proxy", "TMPDIR")):
            monkeypatch.setenv(name, value)


@pytest.fixture
def world(okta: OktaStandIn, sts_server: MotoSTS, isolated_env: Path, tmp_path: Path) -> World:
    return make_world(okta, sts_server.url, isolated_env, tmp_path)


# --- setup's confirmation --------------------------------------------------------------------------


def test_setup_logs_in_and_confirms_the_identity(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, world.with_password())
    assert run(["setup", "--user", DEFAULT_USER, "--shell", "bash", "--org-file", str(world.org_file)]) == 0
    out = capsys.readouterr().out
    assert f"Confirmed: {ARN} (account 205810638802), expires" in out
    assert out.index("Confirmed") < out.index("Next:")
    # setup shares okta-login's cache key (--key ROLE): the first okta-login reuses these credentials.
    assert list((world.home / ".aws/boto/cache").glob("*.json"))


def test_setup_with_a_wrong_password_exits_1_and_keeps_the_files(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, world.with_password("wrong"))
    assert run(["setup", "--user", DEFAULT_USER, "--shell", "bash", "--org-file", str(world.org_file)]) == 1
    err = capsys.readouterr().err
    assert "Okta login failed (aws-okta-processor exit 1): Error: Summary: Authentication failed" in err
    assert "Traceback" not in err
    assert (world.home / ".config/bootstrap/okta-login.bash").exists()
    assert "bootstrap okta-login" in (world.home / ".bashrc").read_text()


def test_setup_refuses_an_identity_that_is_not_the_configured_role(
    world: World,
    sts_stand_in: STSStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # STS issues credentials, but they belong to another role than the one asked for.
    sts_stand_in.body = identity_xml("205810638802", "arn:aws:sts::205810638802:assumed-role/readonly/x")
    _use(monkeypatch, {**world.with_password(), "AWS_ENDPOINT_URL_STS": sts_stand_in.url})
    assert run(["setup", "--user", DEFAULT_USER, "--shell", "bash", "--org-file", str(world.org_file)]) == 1
    err = capsys.readouterr().err
    assert (
        "logged in, but as arn:aws:sts::205810638802:assumed-role/readonly/x, not role integrates-dev" in err
    )


def test_setup_without_the_tool_says_how_to_get_it(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(monkeypatch, world.with_password())
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # no venv beside us either
    assert run(["setup", "--user", DEFAULT_USER, "--shell", "bash", "--org-file", str(world.org_file)]) == 1
    assert "aws-okta-processor is not installed or not on PATH" in capsys.readouterr().err


# --- verify ------------------------------------------------------------------------------------------


def _login_env(world: World, sts_url: str) -> dict[str, str]:
    """Credentials from a real aws-okta-processor run, exported as okta-login does."""
    args = [
        "authenticate",
        "--user",
        DEFAULT_USER,
        "--organization",
        world.okta.organization,
        "--application",
        world.okta.application_url,
        "--environment",
    ]
    proc = run_aop(args, world.with_password())
    assert proc.returncode == 0, proc.stdout
    creds = parse_exports(proc.stdout)
    env = {**creds, "AWS_ENDPOINT_URL_STS": sts_url}
    for name in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"):
        env[f"INTEGRATES_DEV_AWS_{name}"] = creds[f"AWS_{name}"]
    return env


def _keys_for(sts_url: str) -> dict[str, str]:
    """Static-looking keys aimed at `sts_url`: what STS answers decides the reason."""
    return {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEEXAMPLE01",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_ENDPOINT_URL_STS": sts_url,
    }


def _verify(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return run(["verify", *args])


@pytest.fixture
def configured(world: World) -> World:
    world.setup("bash")
    return world


def test_verify_ok_shows_account_arn_role_and_time_left(
    configured: World,
    sts_server: MotoSTS,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _login_env(configured, sts_server.url)
    assert _verify(monkeypatch, env) == 0
    out = capsys.readouterr().out
    assert "Account:  205810638802" in out and f"ARN:      {ARN}" in out
    assert "Role:     integrates-dev" in out and "Source:   INTEGRATES_DEV_AWS_*" in out
    assert "(in 59m)" in out or "(in 1h 00m)" in out
    assert _verify(monkeypatch, env, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["arn"] == ARN and data["role"] == "integrates-dev"
    assert 3500 < data["seconds_left"] <= 3600


def test_verify_prefers_the_prefixed_variables_and_ignores_a_missing_profile(
    configured: World, sts_server: MotoSTS, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _login_env(configured, sts_server.url)
    env["AWS_PROFILE"] = "does-not-exist"
    assert _verify(monkeypatch, env) == 0


def _reason(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    text: bool = True,
) -> dict[str, str]:
    assert _verify(monkeypatch, env, "--json") == 1
    data: dict[str, str] = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["hint"]
    if not text:
        return data
    # The text view says the same in one line plus the fix, without a traceback.
    assert run(["verify"]) == 1
    err = capsys.readouterr().err
    assert data["message"] in err and "Traceback" not in err
    return data


def test_reason_no_credentials(
    configured: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _reason(monkeypatch, capsys, {})
    assert data["reason"] == "no-credentials" and "okta-login" in data["hint"]


def test_reason_expired(
    configured: World,
    sts_server: MotoSTS,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _login_env(configured, sts_server.url)
    env["AWS_CREDENTIAL_EXPIRATION"] = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    data = _reason(monkeypatch, capsys, env)
    assert data["reason"] == "expired" and "okta-login" in data["hint"]
    assert "expired 5m ago" in data["message"] or "expired 4m ago" in data["message"]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            403,
            error_xml("InvalidClientTokenId", "The security token included in the request is invalid."),
            "invalid-token",
        ),
        (400, error_xml("ExpiredToken", "The security token included in the request is expired"), "expired"),
        (
            200,
            identity_xml("999999999999", "arn:aws:sts::999999999999:assumed-role/integrates-dev/x"),
            "wrong-account",
        ),
        (200, identity_xml("205810638802", "arn:aws:sts::205810638802:assumed-role/admin/x"), "wrong-role"),
        (400, error_xml("Throttling", "Rate exceeded"), "aws-error"),
    ],
)
def test_reasons_from_sts_answers(
    status: int,
    body: str,
    reason: str,
    configured: World,
    sts_stand_in: STSStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sts_stand_in.status, sts_stand_in.body = status, body
    env = {
        "INTEGRATES_DEV_AWS_ACCESS_KEY_ID": "ASIAEXAMPLEEXAMPLE01",
        "INTEGRATES_DEV_AWS_SECRET_ACCESS_KEY": "s",
        "INTEGRATES_DEV_AWS_SESSION_TOKEN": "t",
        "AWS_ENDPOINT_URL_STS": sts_stand_in.url,
    }
    data = _reason(monkeypatch, capsys, env)
    assert data["reason"] == reason
    # The session token was sent: it is what STS judges.
    assert sts_stand_in.headers[-1]["x-amz-security-token"] == "t"


def test_reason_clock_skew_shows_the_offset(
    configured: World,
    sts_stand_in: STSStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sts_stand_in.status = 403
    sts_stand_in.body = error_xml(
        "SignatureDoesNotMatch",
        "Signature expired: 20261130T100000Z is now earlier than 20261130T100500Z"
        " (20261130T102000Z - 15 min.)",
    )
    sts_stand_in.date_offset = timedelta(minutes=-20)  # AWS's clock 20 minutes behind ours
    env = _keys_for(sts_stand_in.url)
    data = _reason(monkeypatch, capsys, env)
    assert data["reason"] == "clock-skew"
    assert "20m ahead" in data["message"] or "19m ahead" in data["message"]
    assert "timedatectl" in data["hint"]


def test_reason_network(
    configured: World, refused_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        **_keys_for(f"http://127.0.0.1:{refused_port}"),
        "HTTPS_PROXY": "http://proxy.invalid:3128",
        "NO_PROXY": "127.0.0.1",
    }
    data = _reason(monkeypatch, capsys, env)
    assert data["reason"] == "network"
    assert "HTTPS_PROXY" in data["hint"] and "AWS_CA_BUNDLE" in data["hint"]


def test_reason_tls(
    configured: World,
    untrusted_okta: OktaStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An HTTPS endpoint whose certificate no trusted CA signed: what a TLS-inspecting proxy looks like.
    env = _keys_for(untrusted_okta.base_url)
    data = _reason(monkeypatch, capsys, env)
    assert data["reason"] == "tls" and "AWS_CA_BUNDLE" in data["hint"]


def test_reason_profile_not_found(
    configured: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _reason(monkeypatch, capsys, {"AWS_PROFILE": "nope"})
    assert data["reason"] == "profile-not-found" and "unset AWS_PROFILE" in data["hint"]


def test_verify_never_hangs_on_a_black_hole(
    configured: World,
    black_hole: BlackHole,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _keys_for(f"http://{black_hole.organization}")
    data = _reason(monkeypatch, capsys, env, text=False)  # each run waits out the timeouts (~10 s)
    assert data["reason"] == "network"


# --- console -----------------------------------------------------------------------------------------


def _console(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bootstrap", "console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_console_print(okta_factory: OktaFactory, isolated_env: Path, tmp_path: Path) -> None:
    org = write_org_file(
        tmp_path / "org.toml", "example.okta.com", ["dev"], app_path="/home/amazon_aws/0oaX/272"
    )
    env = dict(os.environ, BOOTSTRAP_ORG_FILE=str(org))
    proc = _console("--print", env=env)
    assert proc.returncode == 0 and proc.stdout == "https://example.okta.com/home/amazon_aws/0oaX/272\n"


def test_console_opens_the_browser(isolated_env: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(0o755)
    proc = _console(env=dict(os.environ, BROWSER=str(browser)))
    assert proc.returncode == 0, proc.stderr
    for _ in range(100):  # webbrowser starts the browser without waiting for it
        if opened.exists() and opened.read_text():
            break
        import time

        time.sleep(0.05)
    assert opened.read_text() == "https://fluidattacks.okta.com/home/amazon_aws/0oa9ahz3rfx1SpStS357/272"


def test_console_without_a_browser_prints_the_url(isolated_env: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    env["PATH"] = str(tmp_path)  # no xdg-open, no text browser
    proc = _console(env=env)
    assert proc.returncode == 0
    assert "https://fluidattacks.okta.com/home/amazon_aws/0oa9ahz3rfx1SpStS357/272" in proc.stdout
    assert "No browser available" in proc.stderr
