"""okta-login end to end: real shells, the real aws-okta-processor, the Okta stand-in and moto's STS."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pexpect
import pytest
from harness.fixtures import OktaFactory
from harness.okta import DEFAULT_PASSWORD, DEFAULT_USER, BlackHole, OktaCA, OktaFactor, OktaStandIn, OktaUser
from harness.sts import MotoSTS
from login_world import World, make_world
from shellkit import LOGIN_VARS, SHELLS, parse_env, run_shell, source_cmd

pytestmark = [pytest.mark.network, pytest.mark.shells]

BEFORE = {name: f"before-{i}" for i, name in enumerate(LOGIN_VARS)}
ROLES = ["integrates-dev", "integrates-prod"]


@pytest.fixture
def world(okta_factory: OktaFactory, sts_server: MotoSTS, isolated_env: Path, tmp_path: Path) -> World:
    okta = okta_factory(roles=ROLES)
    return make_world(okta, sts_server.url, isolated_env, tmp_path, roles=ROLES)


def _login(
    world: World, shell: str, args: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, dict[str, str], str]:
    status = "$status" if shell == "fish" else "$?"
    script = f'{source_cmd(shell, world.dropin(shell))}; okta-login {args}; echo "rc={status}"; env'
    proc = run_shell(shell, script, {**(env or world.with_password()), **BEFORE}, timeout=timeout)
    rc = next(int(ln[3:]) for ln in proc.stdout.splitlines() if ln.startswith("rc="))
    return rc, parse_env(proc.stdout), proc.stderr


def _identity(env: dict[str, str], sts_url: str, prefix: str = "INTEGRATES_DEV_AWS_") -> str:
    client = boto3.client(
        "sts",
        endpoint_url=sts_url,
        region_name="us-east-1",
        aws_access_key_id=env[prefix + "ACCESS_KEY_ID"],
        aws_secret_access_key=env[prefix + "SECRET_ACCESS_KEY"],
        aws_session_token=env[prefix + "SESSION_TOKEN"],
    )
    return str(client.get_caller_identity()["Arn"])


def _cached_tokens(home: Path) -> list[str]:
    """Session tokens in aws-okta-processor's AWS cache: what STS really issued (moto checks no token)."""
    return [
        json.loads(p.read_text())["Credentials"]["SessionToken"]
        for p in (home / ".aws/boto/cache").glob("*.json")
    ]


def _unchanged(env: dict[str, str]) -> bool:
    return {k: env.get(k) for k in LOGIN_VARS} == BEFORE


@pytest.mark.parametrize("shell", SHELLS)
def test_login_sets_seven_variables_with_the_right_identity(
    shell: str, world: World, sts_server: MotoSTS
) -> None:
    world.setup(shell)
    rc, env, err = _login(world, shell)
    assert rc == 0, err
    assert all(env[k] != BEFORE[k] for k in LOGIN_VARS)
    arn = _identity(env, sts_server.url)
    assert arn == f"arn:aws:sts::205810638802:assumed-role/integrates-dev/{DEFAULT_USER}"
    assert _identity(env, sts_server.url, prefix="AWS_") == arn
    # The token exported is the one STS issued, byte for byte, in both names.
    assert env["AWS_SESSION_TOKEN"] == env["INTEGRATES_DEV_AWS_SESSION_TOKEN"]
    assert env["AWS_SESSION_TOKEN"] in _cached_tokens(world.home)
    assert "role integrates-dev (account 205810638802) active until" in err
    calls = world.okta.calls()
    assert ("POST", "/api/v1/authn") in calls and ("POST", "/api/v1/sessions") in calls


@pytest.mark.parametrize("shell", SHELLS)
def test_password_typed_at_the_prompt(shell: str, world: World, sts_server: MotoSTS) -> None:
    world.setup(shell)
    child = _spawn(world, shell, "okta-login")
    child.expect("Password: ")
    child.sendline(DEFAULT_PASSWORD)
    child.expect("RESULT rc=0")
    child.expect(pexpect.EOF)
    assert world.okta.requests_to("/api/v1/authn")[0].json["password"] == DEFAULT_PASSWORD


INTERACTIVE = {
    "bash": ["bash", "--noprofile", "--norc", "-i"],
    "zsh": ["zsh", "--no-globalrcs", "--no-rcs", "-i"],
    "fish": ["fish", "--no-config", "--private", "-i"],
}


@pytest.mark.parametrize("shell", SHELLS)
def test_ctrl_c_at_the_password_prompt_changes_nothing(shell: str, world: World) -> None:
    """As a person does it: an interactive shell, okta-login, Ctrl-C at the prompt."""
    world.setup(shell)
    env = {**world.env, **BEFORE, "TERM": "dumb"}
    child = pexpect.spawn(
        INTERACTIVE[shell][0], INTERACTIVE[shell][1:], env=env, encoding="utf-8", timeout=30
    )
    child.sendline(source_cmd(shell, world.dropin(shell)))
    child.sendline("okta-login")
    child.expect("Password: ")
    child.sendintr()
    status = "$status" if shell == "fish" else "$?"
    child.sendline(f'echo "RESULT rc={status} key=$AWS_ACCESS_KEY_ID tok=$INTEGRATES_DEV_AWS_SESSION_TOKEN"')
    child.expect(r"RESULT rc=(\d+) key=(\S+) tok=(\S+)")
    rc, key, token = child.match.groups()
    child.sendline("exit")
    assert rc != "0"
    assert (key, token) == (BEFORE["AWS_ACCESS_KEY_ID"], BEFORE["INTEGRATES_DEV_AWS_SESSION_TOKEN"])
    assert not world.okta.requests_to("/api/v1/authn")
    assert list(Path(world.env["TMPDIR"]).glob("okta-login*")) == []  # (fish keeps its own fish.$USER)


def _spawn(world: World, shell: str, command: str) -> pexpect.spawn:
    """`command` in `shell` on a pty (so the tool prompts on /dev/tty), then the variables."""
    status = "$status" if shell == "fish" else "$?"
    script = f'{source_cmd(shell, world.dropin(shell))}; {command}; echo "RESULT rc={status}"; env'
    from shellkit import clean_argv

    argv = clean_argv(shell)
    env = {**world.env, **BEFORE}
    return pexpect.spawn(argv[0], [*argv[1:], script], env=env, encoding="utf-8", timeout=60)


@pytest.mark.parametrize("shell", SHELLS)
def test_wrong_password_fails_and_changes_nothing(shell: str, world: World) -> None:
    world.setup(shell)
    rc, env, err = _login(world, shell, env=world.with_password("wrong"))
    assert rc == 1 and _unchanged(env)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [
        "okta-login: login failed (aws-okta-processor exit 1): Error: Summary: Authentication failed; "
        "nothing changed. try: okta-login --no-aws-cache (or bootstrap doctor)"
    ]


@pytest.mark.parametrize("fault", ["refused", "untrusted"])
@pytest.mark.parametrize("shell", SHELLS)
def test_idp_down_or_untrusted_fails_and_changes_nothing(
    shell: str,
    fault: str,
    sts_server: MotoSTS,
    isolated_env: Path,
    tmp_path: Path,
    refused_port: int,
    untrusted_okta: OktaStandIn,
    okta_ca: OktaCA,
) -> None:
    target = f"127.0.0.1:{refused_port}" if fault == "refused" else untrusted_okta.organization
    world = make_world(untrusted_okta, sts_server.url, isolated_env, tmp_path, organization=target)
    world.env["REQUESTS_CA_BUNDLE"] = world.env["CURL_CA_BUNDLE"] = okta_ca.bundle_path  # not the rogue CA
    world.setup(shell)
    rc, env, err = _login(world, shell)
    assert rc == 1 and _unchanged(env)
    assert [ln for ln in err.splitlines() if ln.strip()] == [
        "okta-login: login failed (aws-okta-processor exit 1): Error: Connection Error; nothing changed. "
        "try: okta-login --no-aws-cache (or bootstrap doctor)"
    ]


def test_idp_hanging_fails_in_bounded_time(
    black_hole: BlackHole, sts_server: MotoSTS, isolated_env: Path, tmp_path: Path, okta: OktaStandIn
) -> None:
    world = make_world(okta, sts_server.url, isolated_env, tmp_path, organization=black_hole.organization)
    world.setup("bash")
    rc, env, err = _login(world, "bash", timeout=40)
    assert rc == 1 and _unchanged(env)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Read timed out" in lines[0], err


@pytest.mark.parametrize("shell", SHELLS)
def test_other_role_is_not_served_from_the_first_roles_cache(
    shell: str, world: World, sts_server: MotoSTS
) -> None:
    world.setup(shell)
    rc, env, err = _login(world, shell)
    assert rc == 0, err
    assert _identity(env, sts_server.url).endswith("assumed-role/integrates-dev/" + DEFAULT_USER)
    rc, env, err = _login(world, shell, "integrates-prod")
    assert rc == 0, err
    assert _identity(env, sts_server.url).endswith("assumed-role/integrates-prod/" + DEFAULT_USER)
    # Back to the first role: served from its own cache, no new SAML round trip.
    world.okta.clear_requests()
    rc, env, _ = _login(world, shell)
    assert rc == 0 and _identity(env, sts_server.url).endswith("assumed-role/integrates-dev/" + DEFAULT_USER)
    assert not world.okta.requests_to(world.okta.app_path)


def test_no_aws_cache_passes_through(world: World) -> None:
    world.setup("bash")
    assert _login(world, "bash")[0] == 0
    world.okta.clear_requests()
    rc, _, err = _login(world, "bash", "--no-aws-cache")
    assert rc == 0, err
    assert world.okta.requests_to(world.okta.app_path), "--no-aws-cache must fetch a new SAML assertion"


@pytest.mark.parametrize("shell", SHELLS)
def test_mfa_push(
    shell: str, okta_factory: OktaFactory, sts_server: MotoSTS, isolated_env: Path, tmp_path: Path
) -> None:
    user = OktaUser("push@example.com", DEFAULT_PASSWORD, factors=[OktaFactor.push()])
    okta = okta_factory(users=[user], push_waiting_polls=2)
    world = make_world(okta, sts_server.url, isolated_env, tmp_path)
    world.setup(shell, user.login)
    rc, env, err = _login(world, shell, "--factor push:okta")
    assert rc == 0, err
    assert _identity(env, sts_server.url).endswith("assumed-role/integrates-dev/push@example.com")
    assert len([c for c in okta.calls() if "verify" in c[1] or "factors" in c[1]]) >= 3  # 2 WAITING + SUCCESS


@pytest.mark.parametrize("shell", SHELLS)
def test_mfa_totp_typed_at_the_prompt(
    shell: str, okta_factory: OktaFactory, sts_server: MotoSTS, isolated_env: Path, tmp_path: Path
) -> None:
    user = OktaUser("totp@example.com", DEFAULT_PASSWORD, factors=[OktaFactor.totp()])
    okta = okta_factory(users=[user])
    world = make_world(okta, sts_server.url, isolated_env, tmp_path)
    world.setup(shell, user.login)
    child = _spawn(world, shell, f"okta-login --factor {user.factors[0].key}")
    child.expect("Password: ")
    child.sendline(DEFAULT_PASSWORD)
    child.expect("Token: ")
    child.sendline(okta.totp_code)
    child.expect("RESULT rc=0")
    child.expect(pexpect.EOF)
    assert "assumed-role" not in child.before  # nothing secret or identity-like is echoed
    assert "INTEGRATES_DEV_AWS_SESSION_TOKEN=before-6" not in child.before


def test_no_file_holds_the_password_after_a_full_run(
    world: World, sts_server: MotoSTS, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bootstrap.cli import run

    for shell in SHELLS:
        world.setup(shell)
        assert _login(world, shell)[0] == 0
    # And setup's own confirmation login, in-process.
    for name, value in world.with_password().items():
        if name.startswith(("REQUESTS_", "CURL_", "AWS_", "PATH")):
            monkeypatch.setenv(name, value)
    assert run(["setup", "--user", DEFAULT_USER, "--shell", "bash", "--org-file", str(world.org_file)]) == 0
    secret = DEFAULT_PASSWORD.encode()
    roots = [world.home, Path(world.env["TMPDIR"])]
    scanned = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert len(scanned) >= 6  # config, drop-ins, rc, caches: the scan saw real files
    assert [p for p in scanned if secret in p.read_bytes()] == []


def test_okta_session_is_reused_without_asking_again(world: World) -> None:
    world.setup("bash")
    assert _login(world, "bash", "--no-aws-cache")[0] == 0
    world.okta.clear_requests()
    rc, _, err = _login(world, "bash", "--no-aws-cache", env=world.env)  # no password available at all
    assert rc == 0, err
    assert not world.okta.requests_to("/api/v1/authn")
