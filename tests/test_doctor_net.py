"""`bootstrap doctor` against real peers: the Okta stand-in (HTTPS, trustme CA), moto's STS, the real
aws-okta-processor, and the fault servers (refused port, black hole, untrusted certificate).

Loopback only: every test points the org at a stand-in and STS at moto or a fault server.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from harness.aop import AopTarget, aop_target, parse_exports, run_aop
from harness.fixtures import OktaFactory
from harness.okta import DEFAULT_PASSWORD, BlackHole, OktaCA, OktaStandIn
from harness.sts import MotoSTS
from test_doctor import VENV_BIN, by_id, doctor_json, inputs, set_up, write_org

from bootstrap import aws
from bootstrap.doctor import checks, tlsinfo
from bootstrap.doctor.model import Timeouts

pytestmark = pytest.mark.network

FAST = Timeouts(connect=1, read=1)
ROLE = "integrates-dev"


@pytest.fixture
def online(
    okta: OktaStandIn, sts_server: MotoSTS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> OktaStandIn:
    """Set up for the stand-in org; TLS trusts its CA; STS is moto; aws-okta-processor on PATH."""
    # PATH first: setup renders okta-login for the PATH it sees (tool.command_word), as in a user's shell.
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    set_up(write_org(tmp_path, okta.organization))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", okta.ca.bundle_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_server.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return okta


def login(aop: AopTarget, *extra: str) -> dict[str, str]:
    """The real aws-okta-processor, as okta-login calls it: the exports it prints (and its caches)."""
    proc = run_aop(
        aop.args("dev@fluidattacks.com", "--key", ROLE, *extra), aop.env_with(AWS_OKTA_PASS=DEFAULT_PASSWORD)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return parse_exports(proc.stdout)


def use_credentials(monkeypatch: pytest.MonkeyPatch, exported: dict[str, str]) -> None:
    """What okta-login leaves in the shell: AWS_* and INTEGRATES_DEV_AWS_*."""
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
        if name != "AWS_CREDENTIAL_EXPIRATION":
            monkeypatch.setenv(f"INTEGRATES_DEV_{name}", value)


def okta_ca_issuer(ca: OktaCA) -> str:
    """The trusted CA's own name, to tell it from the rogue issuer the doctor reports."""
    der = ssl.PEM_cert_to_DER_cert(Path(ca.bundle_path).read_text())
    described = tlsinfo.describe(der)
    assert described is not None
    return str(described["subject"])


# --------------------------------------------------------------------------- net.okta


def test_net_okta_classic_org(online: OktaStandIn) -> None:
    result = checks.net_okta(inputs(offline=False))
    assert result.status == "ok", result
    assert "Classic Engine (pipeline v1)" in result.summary
    assert online.requests_to("/.well-known/okta-organization", "GET")


def test_net_okta_identity_engine_warns(online: OktaStandIn) -> None:
    online.pipeline = "idx"
    result = checks.net_okta(inputs(offline=False))
    assert result.status == "warn" and "Identity Engine" in result.summary
    assert "SAMLResponse" in result.summary and "aws-okta-processor#73" in result.hint


def test_net_okta_refused(refused_port: int, tmp_path: Path) -> None:
    set_up(write_org(tmp_path, f"127.0.0.1:{refused_port}"))
    result = checks.net_okta(inputs(offline=False, timeouts=FAST))
    assert result.status == "fail" and "refused the connection" in result.summary
    assert "network" in result.hint


def test_net_okta_black_hole(black_hole: BlackHole, tmp_path: Path) -> None:
    set_up(write_org(tmp_path, black_hole.organization))
    result = checks.net_okta(inputs(offline=False, timeouts=FAST))
    assert result.status == "fail" and "no answer" in result.summary
    assert black_hole.connections >= 1


def test_net_okta_untrusted_certificate_names_its_issuer(
    untrusted_okta: OktaStandIn, okta_ca: OktaCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This machine trusts the session CA only; the org shows a certificate from a rogue CA.
    set_up(write_org(tmp_path, untrusted_okta.organization))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", okta_ca.bundle_path)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "corporate.pem"))
    result = checks.net_okta(inputs(offline=False, timeouts=FAST))
    assert result.status == "fail" and "TLS to 127.0.0.1" in result.summary
    assert "certificate issued by 'O=" in result.summary and "Testing CA" in result.summary
    assert "AWS_CA_BUNDLE" in result.summary and "differ" in result.summary
    assert "REQUESTS_CA_BUNDLE=" in result.hint
    cert = result.details["certificate"]
    # The rogue CA's name (trustme CAs have an O and an OU, no CN), not the session CA's.
    assert cert["issuer"].startswith("O=") and len(cert["sha256"]) == 64
    assert cert["issuer"] != okta_ca_issuer(okta_ca)


def test_net_okta_ca_bundle_that_does_not_exist(
    online: OktaStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "gone.pem"))
    result = checks.net_okta(inputs(offline=False))
    assert result.status == "fail" and "gone.pem" in result.summary
    assert "CA bundle" in result.hint


def test_net_okta_shows_proxy_settings_without_their_password(
    online: OktaStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NO_PROXY keeps loopback direct (the fixture sets it); the proxy is only reported.
    monkeypatch.setenv("HTTPS_PROXY", "http://me:pr0xy-pa55@proxy.invalid:3128")
    result = checks.net_okta(inputs(offline=False))
    assert result.status == "ok"
    assert result.details["proxy_env"]["HTTPS_PROXY"] == "http://me:***@proxy.invalid:3128"
    assert "pr0xy-pa55" not in json.dumps(result.details)


# --------------------------------------------------------------------------- net.clock


def test_net_clock_agrees_with_okta_and_sts(online: OktaStandIn) -> None:
    result = checks.net_clock(inputs(offline=False))
    assert result.status == "ok", result
    assert set(result.details["offset_seconds"]) == {"Okta", "STS"}


def test_net_clock_20_minutes_off_fails(online: OktaStandIn) -> None:
    online.date_offset = timedelta(minutes=20)
    result = checks.net_clock(inputs(offline=False))
    assert result.status == "fail"
    assert "20 min behind Okta's" in result.summary
    assert abs(result.details["offset_seconds"]["Okta"] + 1200) <= 5
    assert "timedatectl" in result.hint or "sntp" in result.hint


def test_net_clock_without_any_answer_fails(
    black_hole: BlackHole, refused_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(write_org(tmp_path, black_hole.organization))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{refused_port}")
    result = checks.net_clock(inputs(offline=False, timeouts=FAST))
    assert result.status == "fail" and "cannot compare clocks" in result.summary


# --------------------------------------------------------------------------- aws.identity and cache


def test_aws_identity_ok_with_real_credentials(
    online: OktaStandIn, aop: AopTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch, login(aop))
    result = checks.aws_identity(inputs(offline=False))
    assert result.status == "ok", result
    assert result.details["arn"] == f"arn:aws:sts::205810638802:assumed-role/{ROLE}/dev@fluidattacks.com"
    assert result.details["reason"] == "ok"


def test_aws_identity_reasons_are_verify_s(online: OktaStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    none = checks.aws_identity(inputs(offline=False))
    assert (none.status, none.details["reason"]) == ("warn", "no-credentials")
    # moto answers unknown keys as a user (arn:aws:sts::<account>:user/moto), not our role.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAUNKNOWNUNKNOWN00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "y" * 60)
    wrong = checks.aws_identity(inputs(offline=False))
    assert (wrong.status, wrong.details["reason"]) == ("fail", "wrong-role")
    assert wrong.hint == f"run `okta-login {ROLE} --no-aws-cache`"
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z")
    expired = checks.aws_identity(inputs(offline=False))
    assert (expired.status, expired.details["reason"]) == ("fail", "expired")
    # The same classification as `bootstrap verify`, from bootstrap/aws.py.
    org = inputs().org
    assert org is not None
    with pytest.raises(aws.IdentityError) as raised:
        aws.check(org, ROLE)
    assert raised.value.reason == expired.details["reason"] and raised.value.message == expired.summary


def test_aws_identity_unreachable_sts(
    online: OktaStandIn, refused_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{refused_port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAUNKNOWNUNKNOWN00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "y" * 60)
    result = checks.aws_identity(inputs(offline=False, timeouts=FAST))
    assert (result.status, result.details["reason"]) == ("fail", "network")


def _boto_cache(home: Path) -> Path:
    (path,) = (home / ".aws/boto/cache").glob("*.json")
    return path


def test_cache_after_a_real_login(online: OktaStandIn, aop: AopTarget, isolated_env: Path) -> None:
    assert checks.cache(inputs()).summary.startswith("no aws-okta-processor caches yet")
    login(aop)
    result = checks.cache(inputs())
    assert result.status == "ok", result
    assert (
        "Okta session valid for" in result.summary
        and f"cached {ROLE} credentials valid for" in result.summary
    )
    # Secrets stay in the files.
    cached = json.loads(_boto_cache(isolated_env).read_text())["Credentials"]
    assert cached["SecretAccessKey"] not in str(result) and cached["SessionToken"] not in str(result)
    (session_file,) = (isolated_env / ".aws-okta-processor/cache").glob("*-session.json")
    assert json.loads(session_file.read_text())["id"] not in str(result)


def test_cache_modes_and_expiry(online: OktaStandIn, aop: AopTarget, isolated_env: Path) -> None:
    login(aop)
    boto = _boto_cache(isolated_env)
    boto.chmod(0o644)
    loose = checks.cache(inputs())
    assert loose.status == "warn" and "readable by others" in loose.summary
    assert loose.hint == f"chmod 600 {boto}"
    boto.chmod(0o600)
    data = json.loads(boto.read_text())
    data["Credentials"]["Expiration"] = "2020-01-01T00:00:00Z"
    boto.write_text(json.dumps(data))
    (session_file,) = (isolated_env / ".aws-okta-processor/cache").glob("*-session.json")
    session = json.loads(session_file.read_text())
    session["expiresAt"] = "2020-01-01T00:00:00.000Z"
    session_file.write_text(json.dumps(session))
    expired = checks.cache(inputs())
    # Expired caches are normal: okta-login renews them; they are reported, not failed.
    assert expired.status == "ok"
    assert (
        "Okta session expired" in expired.summary and f"cached {ROLE} credentials expired" in expired.summary
    )


def test_cache_for_another_role(
    okta_factory: OktaFactory, sts_server: MotoSTS, tmp_path: Path, isolated_env: Path
) -> None:
    """aws-okta-processor's cache key has no role: logging in as another role under our key poisons it."""
    okta = okta_factory(roles=[ROLE, "integrates-admin"])
    set_up(write_org(tmp_path, okta.organization, roles=(ROLE, "integrates-admin")))
    target = aop_target(okta, sts_server.url)
    login(target, "--role", okta.role_arns[1], "--sign-in-url", okta.sign_in_url)
    result = checks.cache(inputs())
    assert result.status == "warn"
    assert f"for role {ROLE} are really for" in result.summary and "integrates-admin" in result.summary
    assert result.hint == f"run `okta-login {ROLE} --no-aws-cache`"


# --------------------------------------------------------------------------- whole runs


@pytest.mark.shells
def test_whole_doctor_online_against_the_stand_ins(
    online: OktaStandIn, aop: AopTarget, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_credentials(monkeypatch, login(aop))
    code, payload = doctor_json(capsys)
    found = by_id(payload)
    failed = {c["id"]: c["summary"] for c in payload["checks"] if c["status"] == "fail"}
    assert code == 0 and failed == {}
    for check_id in ("config", "profile", "env", "cache", "net.okta", "net.clock", "aws.identity"):
        assert found[check_id]["status"] == "ok", found[check_id]
    assert payload["summary"]["exit_code"] == 0
    assert all(c["duration_ms"] >= 0 for c in payload["checks"])


@pytest.mark.shells
def test_offline_makes_no_connection(
    black_hole: BlackHole, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up(write_org(tmp_path, black_hole.organization))
    _, payload = doctor_json(capsys, "--offline")
    assert {by_id(payload)[i]["status"] for i in ("net.okta", "net.clock", "aws.identity")} == {"skip"}
    assert black_hole.connections == 0


@pytest.mark.shells
def test_whole_run_is_bounded_with_every_endpoint_black_holed(
    black_hole: BlackHole, tmp_path: Path, isolated_env: Path
) -> None:
    """Okta and STS accept connections and never answer: the doctor still ends within 10 s, as a process
    (its abandoned threads must not hold the interpreter open)."""
    set_up(write_org(tmp_path, black_hole.organization))
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL_STS=f"http://{black_hole.organization}",
        AWS_ACCESS_KEY_ID="ASIAUNKNOWNUNKNOWN00",
        AWS_SECRET_ACCESS_KEY="x" * 40,
        AWS_SESSION_TOKEN="y" * 60,
    )
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bootstrap", "doctor", "--json"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    elapsed = time.monotonic() - began
    assert elapsed <= 10.5, f"doctor took {elapsed:.1f} s with every endpoint black-holed"
    assert proc.returncode == 1, proc.stderr
    found = by_id(json.loads(proc.stdout))
    for check_id in ("net.okta", "net.clock", "aws.identity"):
        summary = found[check_id]["summary"].lower()
        assert found[check_id]["status"] == "fail", found[check_id]
        assert any(w in summary for w in ("timed out", "no answer", "timeout")), summary
    assert black_hole.connections >= 2
