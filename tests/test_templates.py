"""Every rendered drop-in parses, lints, is formatted, and sources cleanly in its real shell."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shellkit import SHELLS, STUB_DIR, clean_argv, run_shell, source_cmd, write_dropin

from bootstrap import render
from bootstrap.errors import BootstrapError
from bootstrap.org import Org

pytestmark = pytest.mark.shells

ORGS = {
    "default": Org(),
    "multi-role-govcloud": Org(
        organization="example.okta.com:8443",
        application="https://example.okta.com:8443/home/amazon_aws/0oaXYZ/272?x=1&y=2",
        account_id="000000000042",
        roles=("dev", "prod.admin+ops", "a@b=c,d"),
        duration_seconds=900,
        region="us-gov-west-1",
        env_prefix="MY_APP2",
        sign_in_url="https://signin.amazonaws-us-gov.com/saml",
    ),
}
MATRIX = [(shell, name) for shell in SHELLS for name in ORGS]


def _dropin(tmp_path: Path, shell: str, org_name: str) -> Path:
    return write_dropin(
        tmp_path,
        shell,
        user="first.last+aws@example.co.uk",
        role=ORGS[org_name].roles[-1],
        org=ORGS[org_name],
    )


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("shell", "org"), MATRIX)
def test_parses(shell: str, org: str, tmp_path: Path) -> None:
    path = _dropin(tmp_path, shell, org)
    argv = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}[shell]
    proc = _run([*argv, str(path)])
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("shell", "org"), [m for m in MATRIX if m[0] != "fish"])
def test_shellcheck_all_checks_and_shfmt(shell: str, org: str, tmp_path: Path) -> None:
    path = _dropin(tmp_path, shell, org)
    # zsh is linted as bash (the file carries a `# shellcheck shell=bash` line).
    proc = _run(["shellcheck", "--enable=all", "--severity=style", str(path)])
    assert proc.returncode == 0, proc.stdout
    proc = _run(["shfmt", "-i", "2", "-ci", "-d", str(path)])
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("org", ORGS)
def test_fish_indent_round_trip(org: str, tmp_path: Path) -> None:
    path = _dropin(tmp_path, "fish", org)
    proc = subprocess.run(["fish_indent"], input=path.read_text(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    assert proc.stdout == path.read_text()


@pytest.mark.parametrize(("shell", "org"), MATRIX)
def test_sources_and_runs_under_strict_options(shell: str, org: str, tmp_path: Path) -> None:
    path = _dropin(tmp_path, shell, org)
    env = dict(os.environ, PATH=f"{STUB_DIR}{os.pathsep}{os.environ['PATH']}", STUB_MODE="success")
    # -e -u -o pipefail: sourcing, --help and a successful login must not trip any of them.
    proc = run_shell(
        shell, f"{source_cmd(shell, path)}; okta-login --help; okta-login; echo done", env, strict=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("done")
    assert "active until" in proc.stderr


def test_fish_loader_parses_and_is_formatted(tmp_path: Path) -> None:
    path = tmp_path / "loader.fish"
    path.write_text(render.render_fish_loader(Path.home() / ".config/bootstrap/okta-login.fish", Path.home()))
    assert _run(["fish", "--no-execute", str(path)]).returncode == 0
    proc = subprocess.run(["fish_indent"], input=path.read_text(), capture_output=True, text=True, timeout=30)
    assert proc.stdout == path.read_text()


def test_fish_loader_reads_the_function_on_first_use(tmp_path: Path) -> None:
    function_file = write_dropin(tmp_path, "fish")
    loader = tmp_path / "loader.fish"
    loader.write_text(render.render_fish_loader(function_file, tmp_path))
    env = dict(os.environ, HOME=str(tmp_path), PATH=f"{STUB_DIR}{os.pathsep}{os.environ['PATH']}")
    env["STUB_MODE"] = "success"
    first = 'okta-login other-role; echo "rc=$status $AWS_ACCESS_KEY_ID"'
    script = f"source {loader}; {first}; okta-login; echo rc=$status"
    proc = run_shell("fish", script, env)
    assert proc.stdout.splitlines() == ["rc=0 ASIASTUBKEY0000WXYZ", "rc=0"], proc.stderr
    assert "role other-role (account" in proc.stderr
    function_file.unlink()
    proc = run_shell("fish", f"source {loader}; okta-login; echo rc=$status", env)
    assert proc.stdout.strip() == "rc=1"
    assert "okta-login.fish is missing: run bootstrap setup" in proc.stderr


@pytest.mark.parametrize("bash_only", [False, True])
def test_rc_block_is_posix_and_lints(bash_only: bool, tmp_path: Path) -> None:
    """The block may land in ~/.profile, which dash reads: it must be plain POSIX sh."""
    block = render.render_block(Path.home() / ".config/bootstrap/okta-login.bash", Path.home(), bash_only)
    path = tmp_path / "block.sh"
    path.write_text("# shellcheck shell=sh\n" + block)
    for shell in ("sh", "bash", "zsh"):
        assert _run([shell, "-n", str(path)]).returncode == 0, shell
    # SC1091: shellcheck cannot follow the drop-in, which does not exist at lint time.
    proc = _run(["shellcheck", "--enable=all", "--exclude=SC1091", str(path)])
    assert proc.returncode == 0, proc.stdout
    assert _run(["shfmt", "-i", "2", "-ci", "-d", str(path)]).returncode == 0


def test_rc_block_refuses_a_nix_store_path() -> None:
    with pytest.raises(BootstrapError, match="/nix/store"):
        render.render_block(Path("/nix/store/abc-okta-login.bash"), Path.home())


# --- quoting: arbitrary values reach the shell byte for byte and never run ---------------------------


def _printf(shell: str, word: str) -> bytes:
    """What the shell prints for `printf '%s' WORD`, as bytes (text mode would fold \\r into \\n)."""
    argv = [*clean_argv(shell), f"printf '%s' {word}"]
    return subprocess.run(argv, capture_output=True, timeout=30, stdin=subprocess.DEVNULL).stdout


TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
def test_sh_quote_round_trips_in_bash_and_zsh(value: str) -> None:
    for shell in ("bash", "zsh"):
        assert _printf(shell, render.sh_quote(value)) == value.encode(), shell


@settings(max_examples=60, deadline=None)
@given(value=TEXT)
def test_fish_quote_round_trips_in_fish(value: str) -> None:
    assert _printf("fish", render.fish_quote(value)) == value.encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=TEXT, role=TEXT, organization=TEXT, application=TEXT)
def test_arbitrary_values_are_rejected_or_run_nothing(
    user: str, role: str, organization: str, application: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Either a clear error, or a file that, sourced in bash, runs no command and only defines okta-login."""
    tmp = tmp_path_factory.mktemp("prop")
    try:
        org = Org(organization=organization, application=application, roles=(role or "x",))
        from bootstrap import org as orgmod

        orgmod.check(org, "org.toml")
        settings_ = render.LoginSettings(user, role, org)
    except BootstrapError as exc:
        assert exc.message.count("\n") == 0
        assert "invalid value" in exc.message or "duplicates" in exc.message
        return
    path = tmp / "okta-login.bash"
    path.write_text(render.render_dropin("bash", settings_))
    # functrace + a DEBUG trap print every command that runs while the file is sourced.
    trace = 'set -T; trap \'printf "CMD:%s\\n" "$BASH_COMMAND" >&2\' DEBUG'
    script = f"{trace}; . {render.sh_quote(str(path))}; trap - DEBUG; declare -F"
    proc = run_shell("bash", script)
    commands = [ln for ln in proc.stderr.splitlines() if ln.startswith("CMD:")]
    assert commands == [f"CMD:. {render.sh_quote(str(path))}"], proc.stderr
    assert proc.stdout.split() == ["declare", "-f", "okta-login"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=TEXT, organization=TEXT, application=TEXT)
@pytest.mark.parametrize("shell", SHELLS)
def test_unvalidated_values_still_reach_the_tool_verbatim(
    shell: str, user: str, organization: str, application: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Quoting alone (validation bypassed) keeps hostile values as data in every shell."""
    tmp = tmp_path_factory.mktemp("verbatim")
    context = {
        "version": "test",
        "user": user,
        "role": "dev",
        "roles": ["dev"],
        "organization": organization,
        "application": application,
        "account_id": "205810638802",
        "duration": 3600,
        "env_prefix": "P",
        "sign_in_url": "",
        "tool": "aws-okta-processor",
    }
    path = tmp / f"okta-login.{shell}"
    path.write_text(render._render(f"okta-login.{shell}.j2", **context))
    env = dict(os.environ, PATH=f"{STUB_DIR}{os.pathsep}{os.environ['PATH']}", STUB_MODE="empty")
    env["STUB_ARGS"] = str(tmp / "args")
    proc = run_shell(shell, f"{source_cmd(shell, path)}; okta-login", env)
    assert "no credentials received" in proc.stderr, proc.stderr
    args = (tmp / "args").read_bytes()
    expected = f"--user\n{user}\n--organization\n{organization}\n--application\n{application}\n"
    assert expected.encode() in args


def test_tools_are_installed() -> None:
    """The suite needs the real shells and linters: fail loudly rather than skip (CI installs them)."""
    missing = [
        t for t in ("bash", "zsh", "fish", "fish_indent", "shellcheck", "shfmt") if not shutil.which(t)
    ]
    assert not missing, f"install {missing} (see .ci/run)"
