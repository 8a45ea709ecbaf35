"""The harness against the real aws-okta-processor: proves the stand-ins are faithful peers.

Nothing here patches aws-okta-processor, boto3, botocore or requests: the tool runs as a
subprocess against the Okta stand-in (HTTPS on 127.0.0.1) and moto's STS (HTTP on 127.0.0.1).
"""

from __future__ import annotations

import email.utils
import json
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pexpect
import pytest
from harness.aop import (
    AopTarget,
    aop_executable,
    aop_target,
    parse_exports,
    retarget,
    run_aop,
)
from harness.fixtures import OktaFactory
from harness.okta import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_APP_PATH,
    DEFAULT_PASSWORD,
    DEFAULT_TOTP_CODE,
    DEFAULT_USER,
    BlackHole,
    OktaCA,
    OktaFactor,
    OktaStandIn,
    OktaUser,
    saml_role_arns,
)
from harness.sts import MotoSTS

pytestmark = pytest.mark.network

EXPORTED = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
]


def authenticate(
    aop: AopTarget,
    *extra: str,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    environment: bool = True,
    sign_in: bool = False,
    timeout: float = 30.0,
    input: str | None = None,  # noqa: A002 - mirrors subprocess.run
) -> subprocess.CompletedProcess[str]:
    """Run `aws-okta-processor authenticate` with the password in AWS_OKTA_PASS."""
    return run_aop(
        aop.args(user, *extra, environment=environment, sign_in=sign_in),
        aop.env_with(AWS_OKTA_PASS=password),
        timeout=timeout,
        input=input,
    )


def caller_arn(sts: MotoSTS, creds: dict[str, str]) -> str:
    """GetCallerIdentity against moto with the exported credentials."""
    import boto3

    client = boto3.client(
        "sts",
        endpoint_url=sts.url,
        region_name="us-east-1",
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds["AWS_SESSION_TOKEN"],
    )
    return str(client.get_caller_identity()["Arn"])


def assumed(role: str, user: str = DEFAULT_USER) -> str:
    return f"arn:aws:sts::{DEFAULT_ACCOUNT_ID}:assumed-role/{role}/{user}"


# --------------------------------------------------------------------------- happy paths


def test_environment_output_gives_working_credentials(
    okta: OktaStandIn, sts_server: MotoSTS, aop: AopTarget
) -> None:
    """(a) `-e` prints one export line; moto then knows the session as the user's."""
    begin = time.monotonic()
    result = authenticate(aop)
    elapsed = time.monotonic() - begin
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("export ")]
    assert len(lines) == 1, result.stdout
    creds = parse_exports(lines[0])
    assert list(creds) == EXPORTED
    assert creds["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert creds["AWS_SESSION_TOKEN"]  # moto never checks it: the test must
    assert caller_arn(sts_server, creds) == assumed("integrates-dev")

    assert okta.calls() == [
        ("POST", "/api/v1/authn"),
        ("POST", "/api/v1/sessions"),
        ("GET", DEFAULT_APP_PATH),
    ]
    authn, session, app = okta.requests
    assert authn.json == {"username": DEFAULT_USER, "password": DEFAULT_PASSWORD}
    assert session.json is not None and session.json["sessionToken"].startswith("20111")
    assert app.cookies["sid"] == okta.session_ids()[0]
    assert okta.errors == []
    assert elapsed < 10, f"authenticate took {elapsed:.2f}s"


def test_credential_process_json(okta: OktaStandIn, aop: AopTarget) -> None:
    """(b) Without `-e`: credential_process JSON with Version 1."""
    result = authenticate(aop, "--silent", environment=False)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "Version"}
    assert doc["Version"] == 1
    expiry = datetime.fromisoformat(doc["Expiration"].replace("Z", "+00:00"))
    # SessionDuration 3600 in the SAML is what moto uses (it ignores DurationSeconds).
    assert timedelta(minutes=55) < expiry - datetime.now(UTC) <= timedelta(hours=1)


def test_cached_okta_session_is_refreshed_then_revoked(okta: OktaStandIn, aop: AopTarget) -> None:
    """The second run reuses the cached sid (refresh endpoint); a revoked one forces a login."""
    assert authenticate(aop).returncode == 0
    okta.clear_requests()
    again = authenticate(aop, "--no-aws-cache")
    assert again.returncode == 0, again.stdout
    assert okta.calls() == [
        ("POST", "/api/v1/sessions/me/lifecycle/refresh"),
        ("GET", DEFAULT_APP_PATH),
    ]

    okta.revoke_sessions()
    okta.clear_requests()
    relogin = authenticate(aop, "--no-aws-cache")
    assert relogin.returncode == 0, relogin.stdout
    assert "SAMLResponse tag not found due to MFA challenge" in relogin.stdout
    assert ("POST", "/api/v1/authn") in okta.calls()


# --------------------------------------------------------------------------- failures at Okta


def test_wrong_password_exits_1(okta: OktaStandIn, aop: AopTarget) -> None:
    """(c) A 401 from authn: exit 1, Okta's summary printed (on stdout: no tty)."""
    result = authenticate(aop, password="wrong")
    assert result.returncode == 1
    assert "Error: Status Code: 401" in result.stdout
    assert "Error: Summary: Authentication failed" in result.stdout
    assert "export" not in result.stdout
    assert okta.calls() == [("POST", "/api/v1/authn")]
    assert okta.requests[0].json == {"username": DEFAULT_USER, "password": "wrong"}


# --------------------------------------------------------------------------- MFA


def test_push_factor_after_waiting_polls(okta: OktaStandIn, sts_server: MotoSTS, aop: AopTarget) -> None:
    """(d) Push: WAITING once (the tool sleeps 1 s and polls `_links.next`), then SUCCESS."""
    push = OktaFactor.push()
    user = okta.add_user(OktaUser("push@fluidattacks.com", "pw", [push, OktaFactor.totp()]))
    result = authenticate(aop, "--factor", push.key, user=user.login, password="pw")
    assert result.returncode == 0, result.stdout
    verify = f"/api/v1/authn/factors/{push.id}/verify"
    assert okta.calls() == [
        ("POST", "/api/v1/authn"),
        ("POST", verify),
        ("POST", verify),
        ("POST", "/api/v1/sessions"),
        ("GET", DEFAULT_APP_PATH),
    ]
    first, poll = okta.requests_to(verify)
    assert poll.at - first.at >= 0.9  # the tool's own 1 s pause between polls
    creds = parse_exports(result.stdout)
    assert caller_arn(sts_server, creds) == assumed("integrates-dev", user.login)


def test_totp_typed_on_a_terminal(okta: OktaStandIn, aop: AopTarget) -> None:
    """(e) TOTP: the tool asks `Token: ` with getpass on /dev/tty; a pty answers it."""
    totp = OktaFactor.totp("GOOGLE")
    user = okta.add_user(OktaUser("totp@fluidattacks.com", "pw", [totp]))
    child = pexpect.spawn(
        aop_executable(),
        aop.args(user.login, "--factor", totp.key, "--silent"),
        env=aop.env_with(AWS_OKTA_PASS="pw"),
        encoding="utf-8",
        timeout=20,
        dimensions=(24, 500),
    )
    try:
        child.expect("Token: ")
        child.sendline(DEFAULT_TOTP_CODE)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    assert list(parse_exports(str(child.before))) == EXPORTED
    verify = okta.requests_to(f"/api/v1/authn/factors/{totp.id}/verify")
    assert [r.json["passCode"] for r in verify] == [DEFAULT_TOTP_CODE]


def test_wrong_totp_without_terminal_exits_1(okta: OktaStandIn, aop: AopTarget) -> None:
    """Without a tty getpass falls back to stdin; a wrong code is a 403 and exit 1."""
    totp = OktaFactor.totp("OKTA")
    user = okta.add_user(OktaUser("totp2@fluidattacks.com", "pw", [totp]))
    result = authenticate(aop, "--factor", totp.key, user=user.login, password="pw", input="000000\n")
    assert result.returncode == 1
    assert "Error: Status Code: 403" in result.stdout
    assert "Invalid Passcode/Answer" in result.stdout
    assert "/api/v1/sessions" not in [p for _, p in okta.calls()]


# --------------------------------------------------------------------------- several roles


def test_second_of_two_roles_through_sign_in_page(
    okta: OktaStandIn, sts_server: MotoSTS, aop: AopTarget
) -> None:
    """(f) Two roles: the tool scrapes the sign-in stand-in, and `--role` picks the second."""
    okta.roles = ["integrates-dev", "integrates-admin"]
    second = okta.role_arns[1]
    result = authenticate(aop, "--role", second, sign_in=True)
    assert result.returncode == 0, result.stdout
    assert f"Role: {second}" in result.stdout
    assert caller_arn(sts_server, parse_exports(result.stdout)) == assumed("integrates-admin")
    (posted,) = okta.requests_to("/saml", "POST")
    assert saml_role_arns(posted.form["SAMLResponse"][0]) == okta.role_arns


def test_account_alias_filter_uses_sign_in_page_alias(okta: OktaStandIn, aop: AopTarget) -> None:
    """`--account-alias` matches the alias in "Account: alias (id)"; no match → no roles."""
    okta.roles = ["integrates-dev", "integrates-admin"]
    result = authenticate(aop, "--account-alias", "nope*", sign_in=True)
    assert result.returncode == 1
    assert "ERROR: No AWS Roles were found!" in result.stdout


# --------------------------------------------------------------------------- org metadata


def test_well_known_pipeline_and_date_offset(okta_factory: OktaFactory, okta_ca: OktaCA) -> None:
    """(g) `.well-known/okta-organization` says v1 or idx; Date follows the configured skew."""
    import requests

    skew = timedelta(minutes=20)
    okta = okta_factory(pipeline="idx", date_offset=skew)
    url = okta.base_url + "/.well-known/okta-organization"
    response = requests.get(url, verify=okta_ca.bundle_path, timeout=5)
    okta.pipeline = "v1"
    again = requests.get(url, verify=okta_ca.bundle_path, timeout=5)
    assert response.status_code == 200
    assert response.json()["pipeline"] == "idx"
    assert response.json()["id"].startswith("00o")
    assert again.json()["pipeline"] == "v1"
    served = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert abs(served - datetime.now(UTC) - skew) < timedelta(seconds=5)


# --------------------------------------------------------------------------- network faults


def test_refused_port_exits_1_fast(refused_port: int, aop: AopTarget) -> None:
    """(h) Nobody listening: `Error: Connection Error`, exit 1, at once."""
    target = retarget(aop, f"127.0.0.1:{refused_port}")
    begin = time.monotonic()
    result = authenticate(target, timeout=20)
    assert result.returncode == 1
    assert "Error: Connection Error" in result.stdout
    assert time.monotonic() - begin < 5


def test_black_hole_exits_1_after_tool_timeout(black_hole: BlackHole, aop: AopTarget) -> None:
    """(h) A silent peer: the tool gives up after its 10 s timeout with exit 1."""
    target = retarget(aop, black_hole.organization)
    begin = time.monotonic()
    result = authenticate(target, timeout=25)
    elapsed = time.monotonic() - begin
    assert result.returncode == 1, result.stdout + result.stderr
    assert "export" not in result.stdout
    # Not the tool's "Error: Timed Out": a read timeout escapes as a traceback.
    assert "ReadTimeout" in result.stderr
    assert black_hole.connections >= 1
    assert 9 < elapsed < 20, f"{elapsed:.1f}s"


def test_untrusted_certificate_exits_1(
    untrusted_okta: OktaStandIn, okta_ca: OktaCA, sts_server: MotoSTS
) -> None:
    """(i) A certificate from another CA: TLS fails, `Error: Connection Error`, exit 1."""
    # The environment trusts the session CA; the server presents a leaf from a rogue CA.
    target = aop_target(untrusted_okta, sts_server.url, ca_bundle=okta_ca.bundle_path)
    result = authenticate(target, timeout=20)
    assert result.returncode == 1
    assert "Error: Connection Error" in result.stdout
    assert untrusted_okta.requests == []  # no request got past the handshake
    # The server side sees the client's "unknown ca" alert (its thread may lag the tool's exit).
    deadline = time.monotonic() + 2
    while not untrusted_okta.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any("UNKNOWN_CA" in e.upper() for e in untrusted_okta.errors)


# --------------------------------------------------------------------------- harness hygiene


def test_stop_is_prompt_with_open_connections(okta_ca: OktaCA) -> None:
    """stop() returns quickly even with an idle keep-alive client and silent TCP clients."""
    import requests

    okta = OktaStandIn(okta_ca).start()
    hole = BlackHole().start()
    ports = [okta.port, hole.port]
    with requests.Session() as http:
        http.get(okta.base_url + "/.well-known/okta-organization", verify=okta_ca.bundle_path)
        silent = socket.create_connection(("127.0.0.1", okta.port))  # never sends a ClientHello
        stuck = socket.create_connection(("127.0.0.1", hole.port))
        try:
            begin = time.monotonic()
            okta.stop()
            hole.stop()
            assert time.monotonic() - begin < 1
        finally:
            silent.close()
            stuck.close()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1)
