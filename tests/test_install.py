"""What `bootstrap setup` / `uninstall` do to the user's files: one block, exact bytes, backups, atomic.

Every test runs in the isolated HOME of tests/conftest.py; the CLI runs in-process through `run` except where
a real process is the point (a SIGKILL mid-write, concurrent runs, real shells reading the files).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap import fsutil, paths, render, shells, userconfig
from bootstrap.cli import run
from bootstrap.org import Org
from bootstrap.org import load as org_load

BOOTSTRAP = [sys.executable, "-m", "bootstrap"]
USER = "dev@example.com"
SETUP = ["setup", "--no-verify", "--user", USER]
MARKER_LINE = re.compile(
    rb"^(?:"
    + re.escape(render.BEGIN_MARKER.encode())
    + rb"|"
    + re.escape(render.END_MARKER.encode())
    + rb")",
    re.MULTILINE,
)
# A store path that does not exist: the link into it dangles, as after a garbage collection.
NIX_TARGET = "/nix/store/00000000000000000000000000000000-bootstrap-test-home-files/.bashrc"

Snapshot = dict[str, tuple[str, bytes, int]]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def setup_ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = cli(capsys, *SETUP, *args)
    assert code == 0, err
    return out


def snapshot(root: Path) -> Snapshot:
    """Every entry under `root`: kind, bytes (or link target), permission bits."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            mode = p.lstat().st_mode & 0o7777
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p).encode(), 0)
            elif p.is_dir():
                out[rel] = ("dir", b"", mode)
            else:
                out[rel] = ("file", p.read_bytes(), mode)
    return out


def files_only(snap: Snapshot) -> Snapshot:
    return {k: v for k, v in snap.items() if v[0] != "dir"}


def block(shell: str = "bash", bash_only: bool = False) -> bytes:
    return render.render_block(shells.dropin_path(shell), paths.home(), bash_only).encode()


def count_blocks(data: bytes) -> int:
    return len(re.findall(rb"^" + re.escape(render.BEGIN_MARKER.encode()), data, re.MULTILINE))


def temp_leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".bootstrap-tmp"))


# --- idempotence ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_n_runs_leave_exactly_one_block(
    shell: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = isolated_env / (".bashrc" if shell == "bash" else ".zshrc")
    rc.write_bytes(b"export EDITOR=vi\n")
    setup_ok(capsys, "--shell", shell)
    first = rc.read_bytes()
    for _ in range(3):
        out = setup_ok(capsys, "--shell", shell)
        assert "already set up" in out
    assert rc.read_bytes() == first == b"export EDITOR=vi\n" + block(shell)
    assert count_blocks(first) == 1


def test_changing_user_or_role_rewrites_only_the_dropin(
    tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = tmp_path / "org.toml"
    org.write_text('[aws]\nroles = ["dev", "admin"]\n')
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"# mine\n")
    setup_ok(capsys, "--shell", "bash", "--org-file", str(org), "--role", "dev")
    # An old mtime: a rewrite with the same bytes would still move it.
    os.utime(rc, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = rc.read_bytes()
    dropin = shells.dropin_path("bash")

    out = setup_ok(capsys, "--shell", "bash", "--org-file", str(org), "--role", "admin", "--user", "x@ex.org")
    assert f"  {dropin}\n" in out and f"  {rc}\n" not in out
    assert rc.read_bytes() == before
    assert rc.stat().st_mtime_ns == 1_000_000_000_000_000_000
    settings = render.LoginSettings("x@ex.org", "admin", org_load(org))
    assert dropin.read_text() == render.render_dropin("bash", settings)
    cfg = userconfig.load()
    assert cfg is not None and (cfg.user, cfg.role) == ("x@ex.org", "admin")


# --- bytes outside the block ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "original",
    [
        b"alias ll='ls -l'",  # no final newline
        b"export A=1\r\nexport B=2\r\n",  # CRLF
        b"export A=1\r\nexport B=2",  # CRLF, no final newline
        b"# caf\xe9 in latin-1 \xff\xfe\n\x00binary\n",  # not UTF-8
        b"",  # empty but present
        b"\n\n\n",
        b"  # >>> bootstrap okta-login >>> indented: not a marker\n",
    ],
)
def test_everything_outside_the_block_is_kept(
    original: bytes, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = isolated_env / ".bashrc"
    rc.write_bytes(original)
    setup_ok(capsys, "--shell", "bash")
    data = rc.read_bytes()
    separator = b"" if not original or original.endswith(b"\n") else b"\n"
    assert data == original + separator + block()
    # The user adds code after our block; a re-run keeps it and the prefix exactly.
    rc.write_bytes(data + b"tail\r\n\xff")
    setup_ok(capsys, "--shell", "bash")
    assert rc.read_bytes() == data + b"tail\r\n\xff"
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == original + separator + b"tail\r\n\xff"


def test_block_rewritten_in_place_keeps_both_sides(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A block from an older bootstrap (other body) in the middle of the file is replaced where it stands.
    old = (render.BEGIN_MARKER + "\r\nsource ~/old-okta-login.sh\r\n" + render.END_MARKER + "\r\n").encode()
    head, tail = b"export A=1\r\n\xfe\n", b"export B=2\r\n# end, no newline"
    rc = isolated_env / ".bashrc"
    rc.write_bytes(head + old + tail)
    setup_ok(capsys, "--shell", "bash")
    assert rc.read_bytes() == head + block() + tail


_NOISE = st.sampled_from(
    [
        b"\n",
        b"\r\n",
        b"\r",
        b"\xff\xfe\x80",
        b"# >>> bootstrap okta-login",  # a marker only once followed by " >>>" at a line start
        b" # >>> bootstrap okta-login >>>\n",
        b"x# <<< bootstrap okta-login <<<\n",
        b"\\\n",
        b"'\"$(",
    ]
)
_USER_BYTES = st.lists(st.one_of(st.binary(max_size=40), _NOISE), max_size=12).map(b"".join)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=_USER_BYTES, suffix=_USER_BYTES)
def test_property_any_user_bytes_survive_setup_and_uninstall(
    prefix: bytes, suffix: bytes, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = isolated_env
    # The isolated home is shared by the examples: start each one clean.
    for p in (home / ".bashrc", home / ".bash_profile", home / ".profile"):
        p.unlink(missing_ok=True)
    if paths.config_dir().exists():
        assert run(["uninstall", "--yes"]) == 0
    capsys.readouterr()
    if MARKER_LINE.search(prefix) or MARKER_LINE.search(suffix):
        return  # marker lines are refused, tested below
    rc = home / ".bashrc"
    rc.write_bytes(prefix)
    setup_ok(capsys, "--shell", "bash")
    after = rc.read_bytes()
    assert after.startswith(prefix)
    ours = after[len(prefix) :]
    assert ours in (block(), b"\n" + block())
    assert count_blocks(after) == 1

    # Untouched since setup: uninstall restores the exact bytes.
    assert run(["uninstall", "--yes"]) == 0
    assert rc.read_bytes() == prefix

    # Edited since setup: uninstall removes only the block.
    setup_ok(capsys, "--shell", "bash")
    tail = suffix + b"\n# edited\n"
    rc.write_bytes(after + tail)
    setup_ok(capsys, "--shell", "bash")
    assert rc.read_bytes() == after + tail
    assert run(["uninstall", "--yes"]) == 0
    assert rc.read_bytes() == prefix + ours.removesuffix(block()) + tail
    capsys.readouterr()


# --- backups, atomic replace, modes ---------------------------------------------------------------


def test_backup_of_each_file_before_its_first_change(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    originals = {".bashrc": b"bash \xff\r\n", ".profile": b"echo profile\n", ".zshrc": b"zsh"}
    for name, data in originals.items():
        (isolated_env / name).write_bytes(data)
    setup_ok(capsys, "--shell", "bash")
    setup_ok(capsys, "--shell", "zsh")
    cfg = userconfig.load()
    assert cfg is not None
    backups = {Path(c.path).name: Path(c.backup) for c in cfg.changes if c.backup}
    assert set(backups) == set(originals)
    for name, backup in backups.items():
        assert backup.parent == paths.backup_dir()
        assert backup.read_bytes() == originals[name]
        assert backup.stat().st_mode & 0o777 == 0o600
    assert paths.backup_dir().stat().st_mode & 0o777 == 0o700

    # Later changes keep the first backup (of the user's original), and make no new one.
    rc = isolated_env / ".bashrc"
    rc.write_bytes(rc.read_bytes().replace(b"# Managed by", b"# Edited by"))
    setup_ok(capsys, "--shell", "bash")
    assert sorted(paths.backup_dir().iterdir()) == sorted(backups.values())
    assert backups[".bashrc"].read_bytes() == originals[".bashrc"]


def test_no_backup_of_a_file_setup_created(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_ok(capsys, "--shell", "bash")
    assert (isolated_env / ".bashrc").read_bytes() == block()
    assert not paths.backup_dir().exists() or not any(paths.backup_dir().iterdir())


def test_writes_replace_the_file_by_rename_in_the_same_directory(
    isolated_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"old\n")
    inode = rc.stat().st_ino
    with rc.open("rb") as reader:  # a shell reading .bashrc right now keeps seeing a whole file
        setup_ok(capsys, "--shell", "bash")
        assert reader.read() == b"old\n"
    assert rc.stat().st_ino != inode
    targets = {dst for _src, dst in renames}
    assert {rc, shells.dropin_path("bash"), paths.config_file()} <= targets
    for src, dst in renames:
        assert src.parent == dst.parent
        assert src.name.startswith(f".{dst.name}.") and src.name.endswith(".bootstrap-tmp")
    assert temp_leftovers(isolated_env) == [] and temp_leftovers(paths.config_dir()) == []


def test_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dir").mkdir()
    target = tmp_path / "dir" / "file"
    target.write_bytes(b"old")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        fsutil.atomic_write(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file"]


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o755])
def test_mode_is_preserved(mode: int, isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"x\n")
    rc.chmod(mode)
    setup_ok(capsys, "--shell", "bash")
    assert rc.stat().st_mode & 0o7777 == mode
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == b"x\n"
    assert rc.stat().st_mode & 0o7777 == mode


_WRITER = """
import sys
from pathlib import Path
from bootstrap.fsutil import atomic_write
data = b"N" * int(sys.argv[2])
print("ready", flush=True)
atomic_write(Path(sys.argv[1]), data)
print("done", flush=True)
"""


def _write_in_child(target: Path, size: int, kill_after: float | None) -> tuple[str, float]:
    """Run atomic_write in a child; SIGKILL it `kill_after` seconds into the write. Returns how it ended."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target), str(size)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline() == "ready\n"
        started = time.monotonic()
        if kill_after is not None:
            time.sleep(kill_after)
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return ("killed" if proc.returncode == -signal.SIGKILL else "finished"), elapsed


def test_killed_write_leaves_old_or_new_never_a_mix(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL a real atomic_write of 32 MB at delays spread over its run time.

    Decision: a kill between mkstemp and rename can leave `.<name>.<random>.bootstrap-tmp` next to the file.
    Nothing reads those names, so setup ignores them (checked at the end); they hold the user's own bytes.
    """
    size = 32 * 1024 * 1024
    rc = isolated_env / ".bashrc"
    old = b"export OLD=1\n" * 1000
    rc.write_bytes(old)
    rc.chmod(0o640)
    how, duration = _write_in_child(rc, size, None)
    assert how == "finished" and rc.read_bytes() == b"N" * size
    leftover = re.compile(r"^\.\.bashrc\.[A-Za-z0-9_]+\.bootstrap-tmp$")

    outcomes: list[tuple[str, str]] = []
    for i in range(10):  # bounded: delays from 0 to 1.2 times a whole run, denser early (the write itself)
        rc.write_bytes(old)
        rc.chmod(0o640)
        how, _ = _write_in_child(rc, size, duration * 1.2 * (i / 9) ** 2)
        data = rc.read_bytes()
        assert data in (old, b"N" * size), f"mixed content after a kill at step {i}"
        assert rc.stat().st_mode & 0o777 == 0o640
        content = "old" if data == old else "new"
        outcomes.append((how, content))
        others = [p.name for p in isolated_env.iterdir() if p.name != ".bashrc"]
        assert all(leftover.match(name) for name in others), others
        if how == "finished":
            assert content == "new"
    assert ("killed", "old") in outcomes, outcomes  # at least one kill landed before the rename

    # Whatever temp files the kills left, setup ignores them: one block, the old content, no new leftovers.
    rc.write_bytes(old)
    left_before = temp_leftovers(isolated_env)
    setup_ok(capsys, "--shell", "bash")
    assert rc.read_bytes() == old + block()
    assert temp_leftovers(isolated_env) == left_before
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == old


# --- uninstall ------------------------------------------------------------------------------------


def _populate(home: Path) -> None:
    (home / "dotfiles").mkdir()
    (home / "dotfiles" / "bashrc").write_bytes(b"# linked\r\nalias g=git")
    (home / ".bashrc").symlink_to("dotfiles/bashrc")
    (home / ".profile").write_bytes(b"PATH=$HOME/bin:$PATH\n")
    (home / ".profile").chmod(0o600)
    (home / ".zshrc").write_bytes(b"setopt no_beep\n\xff")
    (home / ".config" / "other-app").mkdir(parents=True)
    (home / ".config" / "other-app" / "settings").write_bytes(b"keep me")


def test_uninstall_restores_every_file_exactly(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _populate(isolated_env)
    before = snapshot(isolated_env)
    setup_ok(capsys, "--shell", "bash")
    setup_ok(capsys, "--shell", "zsh")
    assert snapshot(isolated_env) != before
    code, out, _ = cli(capsys, "uninstall", "--yes")
    assert code == 0
    assert "restored" in out
    assert snapshot(isolated_env) == before
    assert not paths.config_dir().exists()


def test_uninstall_deletes_files_setup_created(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_ok(capsys, "--shell", "bash")
    setup_ok(capsys, "--shell", "zsh")
    assert (isolated_env / ".bashrc").exists() and (isolated_env / ".zshrc").exists()
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert files_only(snapshot(isolated_env)) == {}


def test_uninstall_keeps_the_users_later_edits(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, created = isolated_env / ".bashrc", isolated_env / ".zshrc"
    rc.write_bytes(b"orig\n")
    setup_ok(capsys, "--shell", "bash")
    setup_ok(capsys, "--shell", "zsh")
    rc.write_bytes(b"top\n" + rc.read_bytes() + b"alias ll='ls -l'\n")
    created.write_bytes(created.read_bytes() + b"bindkey -e\n")
    code, out, _ = cli(capsys, "uninstall", "--yes")
    assert code == 0 and "removed bootstrap's block" in out
    assert rc.read_bytes() == b"top\norig\nalias ll='ls -l'\n"
    assert created.read_bytes() == b"bindkey -e\n"


def test_uninstall_keeps_edits_made_before_a_block_rewrite(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The user edits the file; a later setup rewrites the block (an older block, as after an upgrade).
    # Restoring the first backup would now throw the user's edit away.
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"orig\n")
    setup_ok(capsys, "--shell", "bash")
    rc.write_bytes(rc.read_bytes().replace(b"# Managed by", b"# Old block by") + b"mine\n")
    setup_ok(capsys, "--shell", "bash")
    assert rc.read_bytes() == b"orig\n" + block() + b"mine\n"
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == b"orig\nmine\n"


def test_uninstall_removes_dropins_and_config(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_env / ".bashrc").write_bytes(b"x\n")
    setup_ok(capsys, "--shell", "bash")
    setup_ok(capsys, "--shell", "zsh")
    assert shells.dropin_path("bash").exists() and shells.dropin_path("zsh").exists()
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert not shells.dropin_path("bash").exists() and not shells.dropin_path("zsh").exists()
    assert not paths.config_file().exists() and not paths.config_dir().exists()
    assert userconfig.load() is None


def test_uninstall_keep_config(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_env / ".bashrc").write_bytes(b"x\n")
    setup_ok(capsys, "--shell", "bash", "--role", "integrates-dev")
    assert cli(capsys, "uninstall", "--yes", "--keep-config")[0] == 0
    assert (isolated_env / ".bashrc").read_bytes() == b"x\n"
    assert not shells.dropin_path("bash").exists()
    cfg = userconfig.load()
    assert cfg is not None
    assert (cfg.user, cfg.role, cfg.changes) == (USER, "integrates-dev", [])
    assert not paths.backup_dir().exists() or not any(paths.backup_dir().iterdir())
    # A later setup starts from the kept choices.
    setup_ok(capsys, "--shell", "bash")


def test_uninstall_finds_blocks_of_a_lost_config(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"x\n")
    setup_ok(capsys, "--shell", "bash")
    paths.config_file().unlink()
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert (isolated_env / ".bashrc").read_bytes() == b"x\n"
    assert not shells.dropin_path("bash").exists()


# --- symlinks, read-only files, /nix/store --------------------------------------------------------


def test_symlinked_rc_is_edited_at_its_target(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = isolated_env / "dotfiles" / "bash" / "bashrc"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"# from my dotfiles\n")
    target.chmod(0o640)
    link = isolated_env / ".bashrc"
    link.symlink_to("dotfiles/bash/bashrc")
    out = setup_ok(capsys, "--shell", "bash")
    assert f"symlink to {target}" in out
    assert link.is_symlink() and os.readlink(link) == "dotfiles/bash/bashrc"
    assert target.read_bytes() == b"# from my dotfiles\n" + block()
    assert target.stat().st_mode & 0o777 == 0o640
    assert temp_leftovers(target.parent) == [] and temp_leftovers(isolated_env) == []
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert link.is_symlink() and os.readlink(link) == "dotfiles/bash/bashrc"
    assert target.read_bytes() == b"# from my dotfiles\n"


def _all_bytes(root: Path) -> bytes:
    return b"".join(v[1] for v in snapshot(root).values() if v[0] == "file")


def test_read_only_rc_is_not_touched(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"# managed elsewhere\n")
    rc.chmod(0o444)
    code, out, err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 0
    assert rc.read_bytes() == b"# managed elsewhere\n" and rc.stat().st_mode & 0o777 == 0o444
    assert str(rc) in err and "read-only" in err
    assert block().decode().rstrip("\n") in out
    assert shells.dropin_path("bash").exists()  # the drop-in the printed lines load
    cfg = userconfig.load()
    assert cfg is not None and cfg.change_for(rc) is None
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == b"# managed elsewhere\n"


def test_read_only_profile_gets_the_guarded_lines(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = isolated_env / ".profile"
    profile.write_bytes(b"echo profile\n")
    profile.chmod(0o444)
    code, out, err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 0
    assert profile.read_bytes() == b"echo profile\n"
    assert str(profile) in err and "read-only" in err
    assert (isolated_env / ".bashrc").read_bytes() == block()


def test_read_only_profile_prints_the_exact_guarded_block(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = isolated_env / ".profile"
    profile.write_bytes(b"echo profile\n")
    profile.chmod(0o444)
    code, out, _err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 0
    assert block(bash_only=True).decode().rstrip("\n") in out


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_link_into_nix_store_is_not_touched(
    shell: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = NIX_TARGET.replace(".bashrc", ".zshrc" if shell == "zsh" else ".bashrc")
    assert not os.path.lexists(target)
    rc = isolated_env / (".bashrc" if shell == "bash" else ".zshrc")
    rc.symlink_to(target)
    code, out, err = cli(capsys, *SETUP, "--shell", shell)
    assert code == 0
    assert rc.is_symlink() and os.readlink(rc) == target
    assert not os.path.lexists(target)
    assert str(rc) in err and "/nix/store" in err
    assert block(shell).decode().rstrip("\n") in out
    assert b"/nix/store" not in _all_bytes(isolated_env)
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert os.readlink(rc) == target and not os.path.lexists(target)


def test_no_nix_store_path_in_user_files_when_the_dropin_lives_there(
    isolated_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_CONFIG_DIR", "/nix/store/00000000000000000000000000000000-bootstrap-cfg")
    (isolated_env / ".bashrc").write_bytes(b"x\n")
    before = snapshot(isolated_env)
    code, _out, err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 1 and "/nix/store" in err
    assert snapshot(isolated_env) == before


# --- markers --------------------------------------------------------------------------------------

B, E = render.BEGIN_MARKER.encode(), render.END_MARKER.encode()


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (
            b"a\n" + B + b"\nx\n" + E + b"\n" + B + b"\ny\n" + E + b"\n",
            ["line 2", "line 5", "line 4", "line 7"],
        ),
        (b"a\n" + B + b"\nno end\n", ["begin marker at line 2"]),
        (b"a\nb\n" + E + b"\n", ["end marker at line 3"]),
        (E + b"\r\n" + B + b"\r\n", ["end marker at line 1", "begin marker at line 2"]),
        (B + b"\n" + B + b"\n" + E + b"\n", ["line 1", "line 2", "line 3"]),
    ],
    ids=["two-blocks", "begin-only", "end-only", "end-before-begin", "two-begins"],
)
@pytest.mark.parametrize("rc_name", [".bashrc", ".profile"])
def test_broken_markers_refuse_and_change_nothing(
    content: bytes, lines: list[str], rc_name: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"plain\n")
    (isolated_env / ".profile").write_bytes(b"echo profile\n")
    (isolated_env / rc_name).write_bytes(content)
    before = snapshot(isolated_env)
    code, out, err = cli(capsys, *SETUP, "--shell", "bash")
    assert code == 1
    first = err.splitlines()[0]
    assert str(isolated_env / rc_name) in first
    for line in lines:
        assert line in first
    assert snapshot(isolated_env) == before
    assert "Changed" not in out


def test_broken_markers_make_uninstall_refuse_and_change_nothing(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"plain\n")
    setup_ok(capsys, "--shell", "bash")
    rc = isolated_env / ".bashrc"
    rc.write_bytes(rc.read_bytes() + B + b"\n")  # a pasted second begin marker
    before = snapshot(isolated_env)
    code, _out, err = cli(capsys, "uninstall", "--yes")
    assert code == 1
    assert str(rc) in err and "line 2" in err and "line 8" in err
    assert snapshot(isolated_env) == before


# --- dry run --------------------------------------------------------------------------------------


def _apply_patch(diff_text: str, root: Path) -> None:
    proc = subprocess.run(
        ["patch", "-p0", "--batch", "--silent", "--no-backup-if-mismatch"],
        input=diff_text.encode(),
        cwd=root,
        capture_output=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_dry_run_prints_a_diff_of_every_file_and_changes_nothing(
    tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_env / ".bashrc").write_bytes(b"alias ll='ls -l'")  # no final newline
    (isolated_env / ".profile").write_bytes(b"PATH=$HOME/bin:$PATH\r\n")
    before = snapshot(isolated_env)
    code, out, _ = cli(capsys, *SETUP, "--shell", "bash", "--dry-run")
    assert code == 0
    assert snapshot(isolated_env) == before
    assert not paths.config_dir().exists()
    dropin, rc, profile = shells.dropin_path("bash"), isolated_env / ".bashrc", isolated_env / ".profile"
    assert f"--- /dev/null\n+++ {dropin}\n" in out
    assert f"--- {rc}\n+++ {rc}\n" in out and f"--- {profile}\n+++ {profile}\n" in out
    assert "-alias ll='ls -l'\n\\ No newline at end of file\n" in out

    # The diff is exact: applied with patch(1) to a copy it gives what setup then writes.
    copy = tmp_path / "copy"
    shutil.copytree(isolated_env, copy, symlinks=True)
    (copy / dropin.parent.relative_to(isolated_env)).mkdir(parents=True)
    _apply_patch(out.replace(f" {isolated_env}/", " "), copy)  # patch(1) refuses absolute names
    setup_ok(capsys, "--shell", "bash")
    for path in (dropin, rc, profile):
        assert (copy / path.relative_to(isolated_env)).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_dry_run_after_setup(shell: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_ok(capsys, "--shell", shell)
    before = snapshot(isolated_env)
    code, out, _ = cli(capsys, *SETUP, "--shell", shell, "--dry-run")
    assert code == 0 and "Nothing to change" in out
    code, out, _ = cli(capsys, *SETUP, "--shell", shell, "--dry-run", "--user", "other@example.com")
    assert code == 0
    assert f"+++ {shells.dropin_path(shell)}" in out and "+++ " + str(isolated_env / f".{shell}rc") not in out
    assert snapshot(isolated_env) == before


def test_dry_run_with_a_custom_config_dir_creates_nothing(
    tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOTSTRAP_CONFIG_DIR", str(tmp_path / "cfg"))
    for shell in ("bash", "zsh"):
        code, out, _ = cli(capsys, *SETUP, "--shell", shell, "--dry-run")
        assert code == 0 and "+++ " in out
    assert not (tmp_path / "cfg").exists()
    assert snapshot(isolated_env) == {}


# --- concurrent runs ------------------------------------------------------------------------------


def _opened(pid: int, path: Path) -> bool:
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in (str(path), f"{path} (deleted)"):
                return True
        except OSError:
            pass
    return False


def _wait_until_waiting(procs: list[subprocess.Popen[bytes]], lock: Path) -> None:
    """Until every process has the lock file open, i.e. has made its plan and waits for the lock."""
    deadline = time.monotonic() + 30
    while not all(_opened(p.pid, lock) for p in procs):
        assert all(p.poll() is None for p in procs), "a run ended before it reached the lock"
        assert time.monotonic() < deadline, "the runs never reached the lock"
        time.sleep(0.02)


def _start_setup(org: Path, user: str, role: str) -> subprocess.Popen[bytes]:
    argv = ["setup", "--no-verify", "--shell", "bash", "--org-file", str(org), "--user", user, "--role", role]
    return subprocess.Popen(
        [*BOOTSTRAP, *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("gate", ["free", "held"])
def test_concurrent_setups_do_not_corrupt_anything(
    gate: str, tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several real `bootstrap setup` runs at once, with different users and roles.

    "free": they race as they come. "held": the test holds the lock until every run has planned against
    the original file and waits for it, so each later run applies a plan made before the earlier ones wrote.
    """
    org = tmp_path / "org.toml"
    roles = ["r0", "r1", "r2", "r3"]
    org.write_text("[aws]\nroles = [" + ", ".join(f'"{r}"' for r in roles) + "]\n")
    rc = isolated_env / ".bashrc"
    rc.write_bytes(b"# before \xff")  # no final newline: uninstall must remove the one setup added
    runs = [(f"user{i}@example.com", role) for i, role in enumerate(roles)]
    if gate == "held":
        with fsutil.locked(paths.lock_file()):
            procs = [_start_setup(org, user, role) for user, role in runs]
            _wait_until_waiting(procs, paths.lock_file())
    else:
        procs = [_start_setup(org, user, role) for user, role in runs]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()

    assert rc.read_bytes() == b"# before \xff\n" + block()
    cfg = userconfig.load()  # parses
    assert cfg is not None
    org_settings = Org(roles=tuple(roles), source=str(org))
    rendered = {
        (user, role): render.render_dropin("bash", render.LoginSettings(user, role, org_settings))
        for user, role in runs
    }
    dropin = shells.dropin_path("bash").read_text()
    assert dropin in rendered.values()
    assert rendered[(cfg.user, cfg.role)] == dropin  # the config and the drop-in come from the same run
    assert sorted(c.path for c in cfg.changes) == sorted([str(rc), str(shells.dropin_path("bash"))])
    assert len(list(paths.backup_dir().iterdir())) == 1
    assert temp_leftovers(isolated_env) == [] and temp_leftovers(paths.config_dir()) == []
    # The later runs saw the file as the first one left it: uninstall still restores the exact bytes.
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert rc.read_bytes() == b"# before \xff"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_lock_deleted_by_uninstall_still_excludes(
    tmp_path: Path, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # uninstall deletes the lock file while holding it. A setup that was waiting for it must not go ahead
    # on the deleted file while a newer run holds the lock on the new file.
    org = tmp_path / "org.toml"
    org.write_text('[aws]\nroles = ["dev"]\n')
    lock = paths.lock_file()
    with fsutil.locked(lock):
        waiting = _start_setup(org, USER, "dev")
        _wait_until_waiting([waiting], lock)
        lock.unlink()  # what uninstall does at its end
        newer = fsutil.locked(lock)
        newer.__enter__()  # a newer run takes the lock on the new file
    try:
        time.sleep(0.8)
        assert waiting.poll() is None, "setup ran while another run held the lock"
        assert not paths.config_file().exists()
    finally:
        newer.__exit__(None, None, None)
    _out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err.decode()
    assert paths.config_file().exists()


# --- bash login files, zsh ZDOTDIR ----------------------------------------------------------------

LOGIN_NAMES = (".bash_profile", ".bash_login", ".profile")


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS creates ~/.bash_profile on purpose")
def test_linux_creates_no_login_file(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_ok(capsys, "--shell", "bash")
    assert sorted(p.name for p in isolated_env.iterdir()) == [".bashrc", ".config"]


@pytest.mark.parametrize(
    ("existing", "edited"),
    [
        ((".profile",), ".profile"),
        ((".bash_login", ".profile"), ".bash_login"),
        ((".bash_profile", ".bash_login", ".profile"), ".bash_profile"),
    ],
)
def test_first_existing_login_file_gets_a_block(
    existing: tuple[str, ...], edited: str, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in existing:
        (isolated_env / name).write_bytes(f"# {name}\n".encode())
    setup_ok(capsys, "--shell", "bash")
    assert (isolated_env / edited).read_bytes() == f"# {edited}\n".encode() + block(
        bash_only=edited == ".profile"
    )
    for name in LOGIN_NAMES:
        if name != edited:
            path = isolated_env / name
            assert path.read_bytes() == f"# {name}\n".encode() if name in existing else not path.exists()


@pytest.mark.parametrize(
    "sourcing",
    [
        # Debian's ~/.profile
        b'if [ -n "$BASH_VERSION" ]; then\n    if [ -f "$HOME/.bashrc" ]; then\n'
        b'\t. "$HOME/.bashrc"\n    fi\nfi\n',
        b"[[ -f ~/.bashrc ]] && source ~/.bashrc\n",
        b"source ${HOME}/.bashrc\n",
    ],
)
def test_login_file_that_sources_bashrc_is_left_alone(
    sourcing: bytes, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (".bash_profile", ".profile"):
        (isolated_env / name).write_bytes(sourcing)
    setup_ok(capsys, "--shell", "bash")
    for name in (".bash_profile", ".profile"):
        assert (isolated_env / name).read_bytes() == sourcing
    assert not (isolated_env / ".bash_login").exists()


def _sh(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
    )


@pytest.mark.shells
def test_profile_block_runs_only_in_bash(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = isolated_env / ".profile"
    profile.write_bytes(b"export FROM_PROFILE=1\n")
    setup_ok(capsys, "--shell", "bash")
    assert not (isolated_env / ".bash_profile").exists()
    probe = '. "$HOME/.profile"; echo "profile=$FROM_PROFILE"; command -v okta-login || echo MISSING'
    dash = _sh(["sh", "-c", probe])
    assert dash.returncode == 0 and dash.stderr == ""
    assert dash.stdout.splitlines() == ["profile=1", "MISSING"]
    login = _sh(["bash", "-l", "-c", "type -t okta-login"])
    assert login.stdout.strip() == "function", login.stderr


@pytest.mark.shells
def test_zsh_rc_goes_to_zdotdir_set_in_zshenv(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_env / ".zshenv").write_bytes(b'ZDOTDIR="$HOME/.zdot"\n')
    setup_ok(capsys, "--shell", "zsh")
    zshrc = isolated_env / ".zdot" / ".zshrc"
    assert zshrc.read_bytes() == block("zsh")
    assert not (isolated_env / ".zshrc").exists()
    assert (isolated_env / ".zshenv").read_bytes() == b'ZDOTDIR="$HOME/.zdot"\n'
    shell = _sh(["zsh", "-i", "-c", "whence -w okta-login"])
    assert shell.stdout.strip() == "okta-login: function", shell.stderr
    assert cli(capsys, "uninstall", "--yes")[0] == 0
    assert not zshrc.exists()


def test_zsh_rc_is_in_home_without_zdotdir(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_ok(capsys, "--shell", "zsh")
    assert (isolated_env / ".zshrc").read_bytes() == block("zsh")
