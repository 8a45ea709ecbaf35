"""Setup and uninstall: plan every file edit, show it (--dry-run), apply it atomically, undo it exactly."""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from bootstrap import blocks, paths, render, shells, userconfig
from bootstrap.errors import BootstrapError
from bootstrap.fsutil import atomic_write, ensure_private_dir, locked, sha256
from bootstrap.userconfig import Change, UserConfig

NIX_STORE = "/nix/store/"
# Change.sha256 of a file the user edited after setup: it matches no content, so uninstall only removes
# the block (restoring the backup would lose the edits).
EDITED = "edited-by-user"


@dataclass
class Edit:
    """One planned change of one file."""

    path: Path  # as the user knows it (~/.bashrc), even when it is a symlink
    real: Path  # where the bytes are written (the symlink's target)
    kind: str  # "dropin" | "block"
    before: bytes | None  # None: the file does not exist yet
    after: bytes
    blocked: str = ""  # why the file cannot be written (read-only, /nix/store): manual steps instead

    @property
    def changes_file(self) -> bool:
        return self.before != self.after


@dataclass
class Plan:
    shell: str
    edits: list[Edit] = field(default_factory=list)

    @property
    def blocked(self) -> list[Edit]:
        return [e for e in self.edits if e.blocked and e.changes_file]

    @property
    def writes(self) -> list[Edit]:
        return [e for e in self.edits if not e.blocked and e.changes_file]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise BootstrapError(f"{path} is a directory, not a file", "move it aside") from None
    except OSError as exc:
        raise BootstrapError(f"{path}: cannot be read: {exc.strerror}") from None


def why_unwritable(real: Path) -> str:
    """Empty when we may write `real`; otherwise the reason (we never write through to /nix/store)."""
    if str(real).startswith(NIX_STORE):
        return "it is a link into /nix/store (managed by home-manager or another Nix tool)"
    try:
        st = real.stat()
    except FileNotFoundError:
        st = None
    # Mode bits, not os.access: root may write anything, but a file without write bits was made
    # read-only on purpose.
    if st is not None and not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "it is read-only"
    parent = real.parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        return f"its directory {parent} is not writable"
    return ""


def plan_setup(shell: str, settings: render.LoginSettings, cfg: UserConfig | None) -> Plan:
    home = paths.home()
    plan = Plan(shell)
    wanted = shells.targets(shell, home)
    # Drop-ins of shells set up earlier follow the new user/role too (their rc blocks stay as they are).
    recorded = {Path(c.path) for c in cfg.changes if c.kind == "dropin"} if cfg else set()
    for other in shells.SUPPORTED:
        earlier = shells.dropin_targets(other)
        if other != shell and recorded & {t.path for t in earlier}:
            wanted = earlier + wanted
    seen: set[Path] = set()
    for target in wanted:
        if target.path in seen:
            continue
        seen.add(target.path)
        real = Path(os.path.realpath(target.path))
        before = _read(real)
        if target.kind == "dropin":
            after = dropin_content(target.path, settings, home)
        else:
            block = render.render_block(shells.dropin_path(shell), home, target.bash_only)
            after = blocks.insert(before or b"", block, target.path)
        plan.edits.append(Edit(target.path, real, target.kind, before, after, why_unwritable(real)))
    return plan


def dropin_content(path: Path, settings: render.LoginSettings, home: Path) -> bytes:
    """What setup writes into the bootstrap-owned file `path` (doctor compares against it too)."""
    if path == shells.fish_loader_path():
        return render.render_fish_loader(shells.dropin_path("fish"), home).encode("utf-8")
    return render.render_dropin(path.suffix.lstrip("."), settings).encode("utf-8")


def _lines(data: bytes) -> list[str]:
    # Split on \n only (str.splitlines also splits on \r, \f, \x1c...): the lines patch(1) sees.
    *lines, last = data.decode("utf-8", "replace").split("\n")
    return [line + "\n" for line in lines] + ([last] if last else [])


def planned_block(edit: Edit) -> str:
    """Our block as `edit` would write it into its file."""
    span = blocks.find(edit.after, edit.path)
    assert span is not None, "a block edit always holds the block"
    return edit.after[span[0] : span[1]].decode("utf-8")


def diff(plan: Plan) -> str:
    out: list[str] = []
    for edit in plan.edits:
        if not edit.changes_file:
            continue
        old = str(edit.path) if edit.before is not None else "/dev/null"
        for line in difflib.unified_diff(_lines(edit.before or b""), _lines(edit.after), old, str(edit.path)):
            # A last line without newline (in the old or the new file) gets patch's marker after it,
            # wherever it falls in the hunk, not glued to the next line.
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _backup(path: Path, data: bytes) -> Path:
    ensure_private_dir(paths.backup_dir())
    tag = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = paths.backup_dir() / f"{path.name.lstrip('.')}.{tag}.{stamp}.bak"
    atomic_write(dest, data, mode=0o600)
    return dest


def apply(plan: Plan, cfg: UserConfig) -> list[Edit]:
    """Write every unblocked edit, recording what uninstall needs in `cfg` (saved by the caller)."""
    written: list[Edit] = []
    for edit in plan.writes:
        change = cfg.change_for(edit.path)
        if change is None:
            change = Change(str(edit.path), edit.kind, existed=edit.before is not None)
            if edit.before is not None and edit.kind == "block":
                change.backup = str(_backup(edit.path, edit.before))
            cfg.changes.append(change)
        elif edit.kind == "block" and edit.before is not None and sha256(edit.before) != change.sha256:
            # The user edited the file since our last write: from now on uninstall must only remove our
            # block, never restore the backup or delete the file, or those edits would be lost.
            change.sha256 = EDITED
        edit.real.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(edit.real, edit.after)
        if change.sha256 != EDITED:
            change.sha256 = sha256(edit.after)
        written.append(edit)
    # Files already right (a re-run) still need their record, e.g. after a lost config.
    for edit in plan.edits:
        if not edit.blocked and not edit.changes_file and cfg.change_for(edit.path) is None:
            cfg.changes.append(Change(str(edit.path), edit.kind, existed=True, sha256=sha256(edit.after)))
    return written


def run_setup(plan: Plan, cfg: UserConfig) -> list[Edit]:
    """Apply under the lock and save the config; the lock keeps concurrent runs from interleaving."""
    with locked(paths.lock_file()):
        _refresh(plan)
        fresh = userconfig.load() or UserConfig()
        # Keep records written by a run that finished while we waited for the lock.
        for change in fresh.changes:
            if cfg.change_for(Path(change.path)) is None:
                cfg.changes.append(change)
        written = apply(plan, cfg)
        userconfig.save(cfg)
    return written


def _refresh(plan: Plan) -> None:
    """Re-base the plan on the files as they are now, under the lock.

    The plan was made before the lock was taken; another run (or the user) may have changed a file since.
    Writing the stale `after` would undo that change, and a stale `before` would look like a user edit.
    """
    for edit in plan.edits:
        current = _read(edit.real)
        if current == edit.before:
            continue
        if edit.kind == "block":
            edit.after = blocks.insert(current or b"", planned_block(edit), edit.path)
        edit.before = current
        edit.blocked = why_unwritable(edit.real)


@dataclass
class Undo:
    path: Path
    action: str  # "restored", "removed block", "deleted", "unchanged"


def _undo_change(change: Change) -> Undo:
    path = Path(change.path)
    real = Path(os.path.realpath(path))
    current = _read(real)
    if current is None:
        return Undo(path, "already gone")
    if change.kind == "dropin":
        real.unlink()
        return Undo(path, "deleted")
    reason = why_unwritable(real)
    if reason:
        return Undo(path, f"not changed: {reason}")
    untouched = sha256(current) == change.sha256
    if untouched and change.existed and change.backup:
        original = _read(Path(change.backup))
        if original is not None:
            atomic_write(real, original)
            return Undo(path, "restored from backup")
    if untouched and not change.existed:
        real.unlink()
        return Undo(path, "deleted (setup had created it)")
    stripped = blocks.remove(current, path)
    if stripped == current:
        return Undo(path, "no bootstrap block")
    if not stripped.strip() and not change.existed:
        real.unlink()
        return Undo(path, "deleted (setup had created it)")
    atomic_write(real, stripped)
    return Undo(path, "removed bootstrap's block (the rest of your edits kept)")


def run_uninstall(keep_config: bool) -> list[Undo]:
    """Undo every recorded change; also clear blocks and drop-ins a lost config no longer lists."""
    cfg_path = paths.config_file()
    userconfig.load()  # a broken config fails here, before the lock file is created
    with locked(paths.lock_file()):
        cfg = userconfig.load() or UserConfig()
        _check_markers([Path(c.path) for c in cfg.changes if c.kind == "block"] + shells.rc_candidates())
        results = [_undo_change(c) for c in cfg.changes]
        done = {u.path for u in results}
        for path in shells.rc_candidates():
            if path in done:
                continue
            real = Path(os.path.realpath(path))
            data = _read(real)
            if data is not None and blocks.present(data, path) and not why_unwritable(real):
                atomic_write(real, blocks.remove(data, path))
                results.append(Undo(path, "removed bootstrap's block"))
        for dropin in shells.owned_files():
            if dropin not in done and dropin.exists():
                dropin.unlink()
                results.append(Undo(dropin, "deleted"))
        for change in cfg.changes:
            if change.backup:
                Path(change.backup).unlink(missing_ok=True)
        cfg.changes = []
        if keep_config:
            if cfg_path.exists():
                userconfig.save(cfg)
        else:
            cfg_path.unlink(missing_ok=True)
            _rmdir_quietly(paths.backup_dir())
            # Deleted while still held: a run waiting for it notices and locks the next file (fsutil.locked).
            paths.lock_file().unlink(missing_ok=True)
    if not keep_config:
        _rmdir_quietly(paths.config_dir())
    return results


def _check_markers(files: list[Path]) -> None:
    """Raise on broken markers in any file before undoing anything: refuse whole, never half-way."""
    for path in files:
        real = Path(os.path.realpath(path))
        data = _read(real)
        if data is not None and not why_unwritable(real):
            blocks.find(data, path)


def _rmdir_quietly(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass  # not empty (the user's own files) or already gone: leave it
