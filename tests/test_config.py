"""Where config.toml lives, its permissions, broken configs, and the organization file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from clikit import cli, snapshot

from bootstrap import org as orgmod
from bootstrap import paths, render, shells, userconfig
from bootstrap.org import Org

USER = "dev@example.com"
SETUP = ["setup", "--no-verify", "--shell", "bash", "--user", USER]


def error_line(err: str) -> str:
    lines = err.splitlines()
    assert lines and lines[0].startswith("bootstrap: error: "), err
    return lines[0]


# --- where the config lives -----------------------------------------------------------------------


def test_config_in_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture sets XDG_CONFIG_HOME=$HOME/.config; point it elsewhere to tell the two apart.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert cli(capsys, *SETUP)[0] == 0
    assert (tmp_path / "xdg" / "bootstrap" / "config.toml").is_file()
    assert (tmp_path / "xdg" / "bootstrap" / "okta-login.bash").is_file()
    assert not (tmp_path / "home" / ".config").exists()


def test_config_dir_override_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOOTSTRAP_CONFIG_DIR", str(tmp_path / "override"))
    assert cli(capsys, *SETUP)[0] == 0
    assert (tmp_path / "override" / "config.toml").is_file()
    assert not (tmp_path / "home" / ".config" / "bootstrap").exists()
    assert (tmp_path / "override").stat().st_mode & 0o777 == 0o700
    # The rc block loads the drop-in from there (outside HOME: an absolute path).
    assert f"'{tmp_path / 'override' / 'okta-login.bash'}'" in (tmp_path / "home" / ".bashrc").read_text()


@pytest.mark.parametrize("xdg", [None, "", "relative/dir"])
def test_config_defaults_to_dot_config(
    xdg: str | None, isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME")
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)  # empty or relative: ignored, as the XDG spec says
    monkeypatch.chdir(isolated_env.parent)
    assert cli(capsys, *SETUP)[0] == 0
    assert (isolated_env / ".config" / "bootstrap" / "config.toml").is_file()
    assert not (isolated_env.parent / "relative").exists()


def test_config_file_and_dir_are_private(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = os.umask(0)  # modes must not depend on the umask
    try:
        assert cli(capsys, *SETUP)[0] == 0
    finally:
        os.umask(old)
    assert paths.config_file().stat().st_mode & 0o777 == 0o600
    assert paths.config_dir().stat().st_mode & 0o777 == 0o700
    # A second run repairs a config dir and file someone opened up.
    paths.config_dir().chmod(0o755)
    paths.config_file().chmod(0o644)
    assert cli(capsys, *SETUP, "--user", "other@example.com")[0] == 0
    assert paths.config_file().stat().st_mode & 0o777 == 0o600
    assert paths.config_dir().stat().st_mode & 0o777 == 0o700


def test_config_records_the_choices(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, *SETUP)[0] == 0
    data = tomllib.loads(paths.config_file().read_text())
    assert (data["user"], data["role"], data["shell"]) == (USER, "integrates-dev", "bash")
    assert "password" not in paths.config_file().read_text().lower().replace("no password is", "")
    # A later run without --user uses the stored user (no terminal to ask on).
    code, _, err = cli(capsys, "setup", "--no-verify", "--shell", "bash")
    assert code == 0, err


# --- a broken config ------------------------------------------------------------------------------

GOOD = f'version = 1\nuser = "{USER}"\nrole = "integrates-dev"\nshell = "bash"\n'
CHANGE = '\n[[changes]]\npath = "{path}"\nkind = "block"\nexisted = true\nbackup = ""\nsha256 = ""\n'


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('version = 1\nuser = "a@b.com\nrole = "x"\n', 2, ""),  # unterminated string
        ("version = 1\n\nuser = [1, 2\n", 3, ""),
        ('version = 1\nrole = "integrates-dev"\nuser = 5\n', 3, "user"),
        ('version = 1\nrole = "dev\'x"\n', 2, "role"),
        ('version = 1\nuser = "not an email"\n', 2, "user"),
        ('version = 1\n\nshell = "tcsh"\n', 3, "shell"),
        ("version = 2\n", 1, "version"),
        ('version = 1\nchanges = "none"\n', 2, "changes"),
        (GOOD + CHANGE.replace('"{path}"', "5"), 7, "path"),
        (GOOD + CHANGE.replace("existed = true", 'existed = "yes"'), 9, "existed"),
        (GOOD + CHANGE.replace('backup = ""', "backup = 3"), 10, "backup"),
        (GOOD + CHANGE.replace('kind = "block"', 'kind = "everything"'), 8, "kind"),
        (GOOD + CHANGE + CHANGE.replace('sha256 = ""', "sha256 = 1.5"), 18, "sha256"),
        (GOOD + CHANGE.replace('"{path}"', '"relative/.bashrc"'), 7, "path"),
        (GOOD + CHANGE.replace("existed = true", "existed = true\ncolour = 1"), 10, "colour"),
    ],
)
@pytest.mark.parametrize(
    "command", [SETUP, ["status"], ["uninstall", "--yes"], ["snippet", "--shell", "bash"]]
)
def test_broken_config_fails_naming_file_and_line(
    text: str,
    line: int,
    key: str,
    command: list[str],
    isolated_env: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"mine\n")
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text(text.replace("{path}", str(isolated_env / ".bashrc")))
    before = snapshot(isolated_env)
    code, _out, err = cli(capsys, *command)
    assert code == 1
    first = error_line(err)
    assert str(cfg) in first and f"line {line}" in first
    if key:
        assert key in first
    assert "bootstrap setup" in err
    assert snapshot(isolated_env) == before


def test_config_that_is_not_utf8_names_the_line(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(b'version = 1\nuser = "caf\xe9@example.com"\n')
    code, _out, err = cli(capsys, "status")
    assert code == 1
    first = error_line(err)
    assert str(cfg) in first and "line 2" in first and "UTF-8" in first


def test_hint_for_a_broken_config_works(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = paths.config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text("version = [\n")
    code, _out, err = cli(capsys, *SETUP)
    assert code == 1
    # Doing what the hint says gets the user going again.
    assert "move the file aside" in err and "bootstrap setup" in err
    cfg.rename(cfg.with_suffix(".broken"))
    assert cli(capsys, *SETUP)[0] == 0


# --- the organization file ------------------------------------------------------------------------


def test_org_file_missing_keys_take_the_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = tmp_path / "org.toml"
    org.write_text('[aws]\nroles = ["dev", "admin"]\nenv_prefix = "ACME"\n')
    assert cli(capsys, *SETUP, "--org-file", str(org), "--role", "admin")[0] == 0
    loaded = orgmod.load(org)
    assert loaded == replace(Org(), roles=("dev", "admin"), env_prefix="ACME")
    assert loaded.organization == "fluidattacks.okta.com" and loaded.account_id == "205810638802"
    dropin = shells.dropin_path("bash").read_text()
    assert dropin == render.render_dropin("bash", render.LoginSettings(USER, "admin", loaded))
    assert "ACME_AWS_ACCESS_KEY_ID" in dropin


ORG_ERRORS = [
    # (content, key, expected-words)
    ('[aws]\nacount_id = "123456789012"\n', "aws.acount_id", "account_id"),
    ('[okat]\norganization = "x.okta.com"\n', "okat", "[okta]"),
    ('organization = "x.okta.com"\n', "organization", "[okta]"),
    ('[aws]\nduration_seconds = "3600"\n', "aws.duration_seconds", "integer"),
    ("[aws]\naccount_id = 205810638802\n", "aws.account_id", "12 digits"),
    ('[aws]\naccount_id = "12345"\n', "aws.account_id", "12-digit"),
    ('[aws]\nroles = ["dev\'x"]\n', "aws.roles", "IAM role name"),
    ("[aws]\nroles = []\n", "aws.roles", "non-empty"),
    ('[aws]\nroles = "dev"\n', "aws.roles", "list"),
    ('[aws]\nenv_prefix = "integrates_dev"\n', "aws.env_prefix", "upper-case"),
    ('[okta]\napplication = "http://x.okta.com/home/app/1"\n', "okta.application", "https://"),
    ("[aws]\nduration_seconds = 5\n", "aws.duration_seconds", "900 to 43200"),
    ("[aws]\nduration_seconds = true\n", "aws.duration_seconds", "integer"),
    ('[aws]\nregion = "Mars"\n', "aws.region", "region like us-east-1"),
    ("okta = 5\n", "okta", "table"),
    ('[aws]\nroles = ["dev"\n', "line 2", "TOML"),
]


@pytest.mark.parametrize(("content", "key", "expected"), ORG_ERRORS)
@pytest.mark.parametrize("via", ["flag", "env"])
def test_bad_org_file_is_one_line_naming_file_key_and_expectation(
    content: str,
    key: str,
    expected: str,
    via: str,
    tmp_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    org = tmp_path / "org.toml"
    org.write_text(content)
    args = list(SETUP)
    if via == "flag":
        args += ["--org-file", str(org)]
    else:
        monkeypatch.setenv("BOOTSTRAP_ORG_FILE", str(org))
    (isolated_env / ".bashrc").write_bytes(b"mine\n")
    before = snapshot(isolated_env)
    code, _out, err = cli(capsys, *args)
    assert code == 1
    first = error_line(err)
    assert str(org) in first and key in first and expected in first, first
    assert snapshot(isolated_env) == before


def test_missing_org_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = cli(capsys, *SETUP, "--org-file", str(tmp_path / "nope.toml"))
    assert code == 1
    assert str(tmp_path / "nope.toml") in error_line(err)
    assert not paths.config_dir().exists()


@pytest.mark.parametrize("via", ["flag", "env"])
def test_org_file_is_remembered_and_reused(
    via: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "repo").mkdir()
    org = tmp_path / "repo" / "org.toml"
    org.write_text('[aws]\nroles = ["dev", "admin"]\nenv_prefix = "ACME"\n')
    monkeypatch.chdir(tmp_path / "repo")
    if via == "flag":
        code, _out, err = cli(capsys, *SETUP, "--org-file", "org.toml", "--role", "admin")  # relative
    else:
        monkeypatch.setenv("BOOTSTRAP_ORG_FILE", "org.toml")
        code, _out, err = cli(capsys, *SETUP, "--role", "admin")
        monkeypatch.delenv("BOOTSTRAP_ORG_FILE")
    assert code == 0, err
    cfg = userconfig.load()
    assert cfg is not None and cfg.org_file == str(org)

    monkeypatch.chdir(tmp_path)  # elsewhere, no flag, no env: the remembered file
    code, out, err = cli(capsys, "snippet", "--shell", "bash")
    assert code == 0, err
    assert "ACME_AWS_ACCESS_KEY_ID" in out and "'admin'" in out
    code, _out, err = cli(capsys, "setup", "--no-verify", "--shell", "bash", "--role", "dev")
    assert code == 0, err  # "dev" is a role of the remembered org only
    code, out, _err = cli(capsys, "status")
    assert str(org) in out
    # A later --org-file replaces the remembered one.
    other = tmp_path / "other.toml"
    other.write_text('[aws]\nroles = ["ops"]\n')
    assert cli(capsys, "setup", "--no-verify", "--shell", "bash", "--org-file", str(other))[0] == 0
    cfg = userconfig.load()
    assert cfg is not None and (cfg.org_file, cfg.role) == (str(other), "ops")
