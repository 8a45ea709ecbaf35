"""`bootstrap doctor` without the network: runner, report, and the local checks on real files and shells.

Network checks (Okta stand-in, moto, fault servers) are in test_doctor_net.py, which reuses the helpers here.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bootstrap import paths, render
from bootstrap.cli import run
from bootstrap.doctor import checks, report, runner
from bootstrap.doctor.model import Check, Inputs, Result, Timeouts, ok
from bootstrap.doctor.runner import Diagnosis

USER = "dev@fluidattacks.com"
VENV_BIN = str(Path(sys.executable).parent)
# A fake that is both long enough to be masked and recognisable if it ever leaks.
KEY_ID = "ASIAFAKEFAKEFAKE1234"
SECRET = "s3cr3t/DO-NOT-PRINT/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
TOKEN = "t0k3n/DO-NOT-PRINT/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"


# --------------------------------------------------------------------------- helpers (also used by _net)


def write_org(
    tmp: Path, organization: str = "127.0.0.1:9", roles: tuple[str, ...] = ("integrates-dev",)
) -> Path:
    """An org file (bootstrap/org.py shape) aimed at `organization` (host:port of a stand-in)."""
    path = tmp / "org.toml"
    role_list = ", ".join(f'"{r}"' for r in roles)
    path.write_text(
        "[okta]\n"
        f'organization = "{organization}"\n'
        f'application = "https://{organization}/home/amazon_aws/0oa9ahz3rfx1SpStS357/272"\n'
        "[aws]\n"
        'account_id = "205810638802"\n'
        f"roles = [{role_list}]\n"
    )
    return path


def set_up(org_file: Path, shell: str = "bash", user: str = USER) -> None:
    code = run(
        ["setup", "--user", user, "--shell", shell, "--no-verify", "--yes", "--org-file", str(org_file)]
    )
    assert code == 0


def inputs(offline: bool = True, **changes: Any) -> Inputs:
    """What the doctor would gather now, with `changes` (e.g. detected_shell, environ, timeouts)."""
    return replace(runner.gather(offline=offline), **changes)


def doctor_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()  # drop what setup printed
    code = run(["doctor", "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def by_id(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in payload["checks"]}


def with_venv_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """okta-login looks up aws-okta-processor on PATH; the venv running the tests need not be on it."""
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")


def fake_tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)


# --------------------------------------------------------------------------- runner and report


def spec(check_id: str, fn: Any, network: bool = False) -> checks.Spec:
    return checks.Spec(check_id, fn, network)


def test_checks_run_concurrently_in_a_stable_order() -> None:
    # Three checks that can only finish if all three run at the same time.
    barrier = threading.Barrier(3, timeout=5)

    def meet(_: Inputs) -> Result:
        barrier.wait()
        return ok("met")

    specs = [spec(name, meet) for name in ("c", "a", "b")]
    diagnosis = runner.run(inputs(), specs)
    assert [c.id for c in diagnosis.checks] == ["c", "a", "b"]
    assert [c.status for c in diagnosis.checks] == ["ok", "ok", "ok"]


def test_a_hung_check_is_abandoned_as_timed_out_and_the_others_still_report() -> None:
    release = threading.Event()

    def hang(_: Inputs) -> Result:
        release.wait(30)
        return ok("too late")

    try:
        diagnosis = runner.run(
            inputs(timeouts=Timeouts(check=0.3, total=1)),
            [spec("hangs", hang), spec("fine", lambda _: ok("yes"))],
        )
    finally:
        release.set()
    hung, fine = diagnosis.checks
    assert (hung.status, fine.status) == ("fail", "ok")
    assert hung.summary.startswith("timed out after")
    assert hung.hint
    assert diagnosis.exit_code == 1


def test_an_exception_becomes_a_fail_with_its_message_and_a_traceback_only_when_verbose() -> None:
    def boom(_: Inputs) -> Result:
        raise RuntimeError("the disk is on fire")

    specs = [spec("boom", boom), spec("fine", lambda _: ok("yes"))]
    quiet = runner.run(inputs(), specs)
    assert quiet.checks[0].status == "fail"
    assert "RuntimeError: the disk is on fire" in quiet.checks[0].summary
    assert "traceback" not in quiet.checks[0].details
    assert quiet.checks[1].status == "ok"
    loud = runner.run(inputs(), specs, verbose=True)
    assert "Traceback" in loud.checks[0].details["traceback"]
    assert "Traceback" in report.to_text(loud, verbose=True)
    assert "Traceback" not in report.to_text(quiet)


def test_offline_skips_network_checks_without_calling_them() -> None:
    def must_not_run(_: Inputs) -> Result:
        raise AssertionError("ran while offline")

    diagnosis = runner.run(inputs(offline=True), [spec("net.x", must_not_run, network=True)])
    assert diagnosis.checks[0].status == "skip"
    assert "--offline" in diagnosis.checks[0].hint


def test_secrets_are_scrubbed_even_from_a_careless_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)

    monkeypatch.setenv("https_proxy", "http://me:pr0xy-pa55@proxy.example:3128")

    def careless(_: Inputs) -> Result:
        error = "ProxyError(http://me:pr0xy-pa55@proxy.example:3128)"
        return Result("warn", f"leaked {KEY_ID} {SECRET}", f"token {TOKEN}", {"nested": [SECRET, error]})

    diagnosis = runner.run(inputs(), [spec("careless", careless)])
    text = report.to_text(diagnosis, verbose=True) + report.to_json(diagnosis)
    for secret in (KEY_ID, SECRET, TOKEN, "pr0xy-pa55"):
        assert secret not in text
    assert "ASIA…1234" in text


def _diagnosis() -> Diagnosis:
    return Diagnosis(
        (
            Check("a.ok", "ok", "all good"),
            Check("b.warn", "warn", "hmm", "run `x`\nline two"),
            Check("c.fail", "fail", "broken", "run `y`"),
            Check("d.skip", "skip", "skipped", "run `z`"),
        ),
        1234,
    )


def test_text_view_marks_hints_and_summary() -> None:
    text = report.to_text(_diagnosis())
    lines = text.splitlines()
    assert lines[1].startswith("✓ a.ok") and "all good" in lines[1]
    assert lines[2].startswith("! b.warn")
    assert lines[3] == "    → run `x`" and lines[4] == "      line two"
    assert lines[5].startswith("✗ c.fail") and lines[6] == "    → run `y`"
    assert lines[7].startswith("- d.skip")
    assert lines[-1] == "4 checks: 1 ok, 1 warning, 1 failed, 1 skipped in 1.2 s: something failed"
    assert "\033[" not in text


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert report.use_color(_Tty(), {}) is True
    assert report.use_color(_Tty(), {"NO_COLOR": "1"}) is False
    assert report.use_color(io.StringIO(), {}) is False
    coloured = report.to_text(_diagnosis(), color=True)
    assert "\033[31m✗\033[0m c.fail" in coloured and "\033[32m✓\033[0m a.ok" in coloured


def test_json_view_has_the_documented_shape() -> None:
    payload = json.loads(report.to_json(_diagnosis()))
    assert set(payload) == {"version", "checks", "summary"}
    assert [set(c) for c in payload["checks"]] == [
        {"id", "status", "summary", "hint", "details", "duration_ms"}
    ] * 4
    assert payload["checks"][0]["hint"] is None
    assert payload["summary"] == {
        "ok": 1, "warn": 1, "fail": 1, "skip": 1,
        "total": 4, "offline": False, "duration_ms": 1234, "exit_code": 1,
    }  # fmt: skip


def test_every_check_has_a_unique_stable_id() -> None:
    ids = [s.id for s in checks.CHECKS]
    assert ids == [
        "tools.aws", "tools.aws-okta-processor", "config", "shell", "profile", "shell.loads", "env", "cache",
        "net.okta", "net.clock", "aws.identity",
    ]  # fmt: skip
    assert {s.id for s in checks.CHECKS if s.network} == {"net.okta", "net.clock", "aws.identity"}


# --------------------------------------------------------------------------- the command


@pytest.mark.shells
def test_without_config_most_checks_say_run_setup(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload = doctor_json(capsys, "--offline")
    found = by_id(payload)
    assert code == 1
    assert found["config"]["status"] == "warn" and "bootstrap setup" in found["config"]["hint"]
    assert found["profile"]["status"] == "fail" and "bootstrap setup" in found["profile"]["hint"]
    assert found["shell.loads"]["status"] == "fail"
    assert {found[i]["status"] for i in ("net.okta", "net.clock", "aws.identity")} == {"skip"}
    for check in payload["checks"]:
        assert check["status"] == "ok" or check["hint"], check


@pytest.mark.shells
def test_broken_config_fails_the_config_check_and_the_others_still_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text("user = [unclosed\n")
    code, payload = doctor_json(capsys, "--offline")
    found = by_id(payload)
    assert code == 1
    assert found["config"]["status"] == "fail"
    assert str(cfg) in found["config"]["summary"] and "bootstrap setup" in found["config"]["hint"]
    # Every other check produced its own answer, none crashed.
    assert len(found) == len(checks.CHECKS)
    assert not any("the check itself failed" in c["summary"] for c in payload["checks"])
    assert found["env"]["status"] == "ok"


@pytest.mark.shells
def test_the_installed_command_runs_and_exits_by_its_findings(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Setup and doctor see the same PATH, as in a user's shell (it decides how okta-login calls the tool).
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    set_up(write_org(tmp_path))
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "bootstrap", "doctor", "--offline"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("bootstrap doctor ")
    assert "11 checks (offline):" in proc.stdout.splitlines()[-1]
    assert "✓ profile" in proc.stdout and "- net.okta" in proc.stdout
    assert proc.stderr == ""


# --------------------------------------------------------------------------- tools.*


def test_tools_ok_with_the_real_aws_okta_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    with_venv_on_path(monkeypatch)
    result = checks.tools_aws_okta_processor(inputs())
    assert result.status == "ok"
    assert result.details["version"].startswith("1.")


@pytest.mark.parametrize(
    ("printed", "status", "words"),
    [("1.9.2", "fail", "too old"), ("2.0.0", "warn", "new major version"), ("1.10.0", "ok", "1.10.0")],
)
def test_aws_okta_processor_versions(tmp_path: Path, printed: str, status: str, words: str) -> None:
    fake_tool(tmp_path / "bin", "aws-okta-processor", f"echo {printed}")
    result = checks.tools_aws_okta_processor(inputs(environ={"PATH": str(tmp_path / "bin")}))
    assert result.status == status and words in result.summary
    assert status == "ok" or "pip install" in result.hint


def test_a_broken_aws_okta_processor_fails_with_its_last_words(tmp_path: Path) -> None:
    fake_tool(
        tmp_path / "bin", "aws-okta-processor", "echo 'ModuleNotFoundError: No module named six' >&2; exit 1"
    )
    result = checks.tools_aws_okta_processor(inputs(environ={"PATH": str(tmp_path / "bin")}))
    assert result.status == "fail" and "No module named six" in result.summary


def test_aws_okta_processor_off_path_but_installed_beside_python(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = checks.tools_aws_okta_processor(inputs(environ={"PATH": str(tmp_path / "empty")}))
    # setup renders okta-login with that full path (test_okta_login proves it runs), so this is fine.
    assert result.status == "ok", result
    assert (
        f"({VENV_BIN}/aws-okta-processor) (not on PATH: okta-login calls it by this full path)"
        in result.summary
    )


@pytest.mark.parametrize(
    ("script", "status", "words"),
    [
        ("echo 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64'", "ok", "aws-cli 2.15.30"),
        ("echo 'aws-cli/1.18.69 Python/2.7.18 Linux/5.4 botocore/1.17.62' >&2", "warn", "too old"),
        ("echo 'aws: command from another package'", "warn", "not a working AWS CLI"),
        ("exec /bin/sleep 30", "warn", "did not answer"),
    ],
)
def test_aws_cli_versions(tmp_path: Path, script: str, status: str, words: str) -> None:
    fake_tool(tmp_path / "bin", "aws", script)
    result = checks.tools_aws(inputs(environ={"PATH": str(tmp_path / "bin")}, timeouts=Timeouts(process=1)))
    assert result.status == status and words in result.summary
    assert status == "ok" or "AWS CLI v2" in result.hint


def test_aws_cli_missing_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = checks.tools_aws(inputs(environ={"PATH": str(tmp_path / "empty")}))
    assert result.status == "warn" and "not on PATH" in result.summary


# --------------------------------------------------------------------------- config, shell


def test_config_ok_after_setup_names_the_org_source(tmp_path: Path) -> None:
    org_file = write_org(tmp_path)
    set_up(org_file)
    result = checks.config(inputs())
    assert result.status == "ok", result
    assert str(org_file) in result.summary and USER in result.summary
    assert result.details["mode"] == "0600"


def test_config_readable_by_others_is_a_warning_with_chmod(tmp_path: Path) -> None:
    set_up(write_org(tmp_path))
    paths.config_file().chmod(0o644)
    result = checks.config(inputs())
    assert result.status == "warn" and "0644" in result.summary
    assert result.hint == f"chmod 600 {paths.config_file()}"


def test_config_role_the_org_no_longer_has(tmp_path: Path) -> None:
    set_up(write_org(tmp_path))
    cfg = paths.config_file()
    cfg.write_text(cfg.read_text().replace('role = "integrates-dev"', 'role = "retired-role"'))
    result = checks.config(inputs())
    assert result.status == "warn" and "retired-role" in result.summary
    assert result.hint == "run `bootstrap setup --role integrates-dev`"


def test_broken_org_file_fails_config_and_skips_what_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[okta]\norganization = 'not a host!'\n")
    monkeypatch.setenv("BOOTSTRAP_ORG_FILE", str(bad))
    inp = inputs(offline=False)
    assert checks.config(inp).status == "fail"
    assert "okta.organization" in checks.config(inp).summary
    assert checks.net_okta(inp).status == "skip"
    assert checks.aws_identity(inp).status == "skip"


def test_shell_detected_versus_configured(tmp_path: Path) -> None:
    set_up(write_org(tmp_path), shell="bash")
    same = checks.shell(inputs(detected_shell="bash"))
    other = checks.shell(inputs(detected_shell="zsh"))
    unknown = checks.shell(inputs(detected_shell="", shell_error="cannot use the detected shell (tcsh)"))
    assert same.status == "ok"
    assert other.status == "warn" and "set up for bash" in other.summary
    assert other.hint.startswith("run `bootstrap setup --shell zsh`")
    assert unknown.status == "warn" and "tcsh" in unknown.summary


# --------------------------------------------------------------------------- profile


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_profile_ok_after_setup(tmp_path: Path, shell: str) -> None:
    set_up(write_org(tmp_path), shell=shell)
    result = checks.profile(inputs())
    assert result.status == "ok", result


def test_profile_duplicated_markers_fail(tmp_path: Path, isolated_env: Path) -> None:
    set_up(write_org(tmp_path))
    bashrc = isolated_env / ".bashrc"
    bashrc.write_text(bashrc.read_text() + "# >>> bootstrap okta-login >>>\n")
    result = checks.profile(inputs())
    assert result.status == "fail" and "duplicated or unbalanced" in result.summary


def test_profile_missing_block_fails_and_edited_dropin_warns(tmp_path: Path, isolated_env: Path) -> None:
    set_up(write_org(tmp_path))
    (isolated_env / ".bashrc").write_text("# the user's own\n")
    dropin = paths.config_dir() / "okta-login.bash"
    dropin.write_text(dropin.read_text() + "# edited\n")
    result = checks.profile(inputs())
    assert result.status == "fail"
    assert "~/.bashrc has no okta-login block" in result.summary and "out of date" in result.summary
    assert result.hint == "run `bootstrap setup`"


def test_profile_read_only_symlinked_rc_gives_the_lines_for_home_manager(
    tmp_path: Path, isolated_env: Path
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    target = store / "hm-bashrc"
    target.write_text("# generated by home-manager\n")
    target.chmod(0o444)
    (isolated_env / ".bashrc").symlink_to(target)
    set_up(write_org(tmp_path))  # setup cannot write it either, and says so
    result = checks.profile(inputs())
    assert result.status == "warn"
    assert "cannot be edited: it is read-only" in result.summary
    assert "programs.bash.initExtra" in result.hint
    assert render.BEGIN_MARKER in result.hint and "okta-login.bash" in result.hint


def test_profile_unrecorded_block_elsewhere_warns(tmp_path: Path, isolated_env: Path) -> None:
    set_up(write_org(tmp_path))
    (isolated_env / ".zshrc").write_text((isolated_env / ".bashrc").read_text())
    result = checks.profile(inputs())
    assert result.status == "warn" and "did not record" in result.summary


# --------------------------------------------------------------------------- shell.loads


@pytest.mark.shells
@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_shell_loads_in_fresh_zsh_and_fish(tmp_path: Path, shell: str) -> None:
    set_up(write_org(tmp_path), shell=shell)
    result = checks.shell_loads(inputs())
    assert result.status == "ok", result
    assert result.details == ({"fish": "defined"} if shell == "fish" else {"zsh -i": "defined"})


@pytest.mark.shells
def test_shell_loads_bash_interactive_and_login(tmp_path: Path, isolated_env: Path) -> None:
    # No login file on Linux: setup does not create one, so login shells miss okta-login.
    set_up(write_org(tmp_path))
    result = checks.shell_loads(inputs())
    assert result.details["bash -i"] == "defined"
    assert result.details["bash -l -i"] == "not defined"
    if sys.platform != "darwin":
        assert result.status == "warn"
    assert "~/.profile" in result.hint
    # With a ~/.profile, setup adds its block there and login shells get okta-login too.
    (isolated_env / ".profile").write_text("# the user's profile\n")
    set_up(write_org(tmp_path))
    result = checks.shell_loads(inputs())
    assert result.status == "ok", result
    assert result.details == {"bash -i": "defined", "bash -l -i": "defined"}


@pytest.mark.shells
def test_shell_loads_fails_when_not_set_up_even_with_an_exported_function() -> None:
    environ = dict(os.environ, **{"BASH_FUNC_okta-login%%": "() {  :\n}"})
    result = checks.shell_loads(inputs(detected_shell="bash", environ=environ))
    assert result.status == "fail"
    assert result.details["bash -i"] == "not defined"


@pytest.mark.shells
def test_shell_loads_gives_up_on_a_hanging_rc_and_kills_it(tmp_path: Path, isolated_env: Path) -> None:
    set_up(write_org(tmp_path))
    with (isolated_env / ".bashrc").open("a") as fh:
        fh.write("sleep 31.4159\n")
    result = checks.shell_loads(inputs(timeouts=Timeouts(process=1)))
    assert result.status == "warn" and "did not finish starting within 1 s" in result.summary
    assert "time bash -i -c exit" in result.hint
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"31.4159" in cmdline.read_bytes():
                leftovers.append(cmdline)
        except OSError:
            pass
    assert leftovers == [], "the timed-out shell's process group was not killed"


# --------------------------------------------------------------------------- env


def _env(**values: str) -> dict[str, str]:
    return {**os.environ, **values}


def test_env_no_credentials_is_fine() -> None:
    result = checks.env(inputs())
    assert result.status == "ok" and "no AWS credentials" in result.summary


def test_env_missing_profile_fails_existing_one_passes(isolated_env: Path) -> None:
    missing = checks.env(inputs(environ=_env(AWS_PROFILE="nope")))
    assert missing.status == "fail" and "AWS_PROFILE=nope" in missing.summary
    assert missing.hint.startswith("unset AWS_PROFILE")
    (isolated_env / ".aws").mkdir()
    (isolated_env / ".aws/config").write_text("[profile dev]\nregion = us-east-1\n")
    assert checks.env(inputs(environ=_env(AWS_PROFILE="dev"))).status == "ok"


def test_env_prefixed_and_plain_keys_that_disagree() -> None:
    other = "ASIAOTHEROTHER9876"
    environ = _env(
        AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN,
        INTEGRATES_DEV_AWS_ACCESS_KEY_ID=other, INTEGRATES_DEV_AWS_SECRET_ACCESS_KEY=SECRET,
        INTEGRATES_DEV_AWS_SESSION_TOKEN=TOKEN,
    )  # fmt: skip
    result = checks.env(inputs(environ=environ))
    assert result.status == "warn" and "differ" in result.summary
    assert "ASIA…1234" in result.summary and "ASIA…9876" in result.summary
    assert KEY_ID not in str(result) and SECRET not in str(result) and TOKEN not in str(result)


def test_env_expired_credentials_fail() -> None:
    environ = _env(
        AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN,
        AWS_CREDENTIAL_EXPIRATION="2020-01-01T00:00:00Z",
    )  # fmt: skip
    result = checks.env(inputs(environ=environ))
    assert result.status == "fail" and "expired" in result.summary and result.hint == "run `okta-login`"


def test_env_temporary_key_without_token_fails() -> None:
    result = checks.env(inputs(environ=_env(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET)))
    assert result.status == "fail" and "AWS_SESSION_TOKEN is not set" in result.summary


def test_env_static_default_keys_used_or_hidden(isolated_env: Path) -> None:
    (isolated_env / ".aws").mkdir()
    (isolated_env / ".aws/credentials").write_text(
        f"[default]\naws_access_key_id = AKIASTATICSTATIC5678\naws_secret_access_key = {SECRET}\n"
    )
    used = checks.env(inputs())
    assert used.status == "warn" and "AWS tools use the static keys" in used.summary
    assert "AKIA…5678" in used.summary and "AKIASTATICSTATIC5678" not in str(used)
    live = _env(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN)
    hidden = checks.env(inputs(environ=live))
    assert hidden.status == "warn" and "hidden by the variables here" in hidden.summary
    assert SECRET not in str(used) + str(hidden)


@pytest.mark.shells
def test_no_secret_reaches_the_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("ACCESS_KEY_ID", KEY_ID), ("SECRET_ACCESS_KEY", SECRET), ("SESSION_TOKEN", TOKEN)):
        monkeypatch.setenv(f"AWS_{name}", value)
        monkeypatch.setenv(f"INTEGRATES_DEV_AWS_{name}", value)
    monkeypatch.setenv("AWS_OKTA_PASS", "hunter2-hunter2")
    monkeypatch.setenv("HTTPS_PROXY", "http://me:pr0xy-pa55@proxy.example:3128")
    for args in (["--offline", "--json"], ["--offline", "--verbose"]):
        run(["doctor", *args])
        out = capsys.readouterr().out
        for secret in (KEY_ID, SECRET, TOKEN, "hunter2-hunter2", "pr0xy-pa55"):
            assert secret not in out
        assert "ASIA…1234" in out
