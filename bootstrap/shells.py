"""Which shell the user runs, and where each shell reads its startup code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bootstrap import paths
from bootstrap.errors import BootstrapError

SUPPORTED = ("bash", "zsh", "fish")
_UNSUPPORTED_HINT = "supported shells are bash, zsh and fish: pass --shell bash|zsh|fish"


def _name(value: str) -> str:
    name = os.path.basename(value.strip()).lower()
    # Login shells show up as "-bash"; Windows-style names as "bash.exe".
    return name.lstrip("-").removesuffix(".exe")


def detect(override: str | None = None) -> str:
    """The user's shell: --shell, else shellingham (the process tree), else $SHELL."""
    if override:
        name = _name(override)
        if name not in SUPPORTED:
            raise BootstrapError(f"--shell: unsupported shell {override!r}", _UNSUPPORTED_HINT)
        return name
    detected = ""
    try:
        import shellingham

        detected = _name(shellingham.detect_shell()[0])
    except Exception:  # noqa: BLE001 - shellingham fails in VS Code tasks and hidden process trees
        detected = ""
    if detected in SUPPORTED:
        return detected
    login = _name(os.environ.get("SHELL", ""))
    if login in SUPPORTED:
        return login
    seen = [f"{detected} (running)"] if detected else []
    seen += [f"{login} ($SHELL)"] if login else []
    raise BootstrapError(f"unsupported shell: {', '.join(seen) or 'none detected'}", _UNSUPPORTED_HINT)


def zdotdir(home: Path) -> Path:
    """ZDOTDIR as zsh sees it: usually set in ~/.zshenv, which a Python process never reads."""
    env = {**os.environ, "HOME": str(home)}
    try:
        out = subprocess.run(
            ["zsh", "-c", 'print -r -- "${ZDOTDIR:-$HOME}"'],
            env=env,
            capture_output=True,
            text=True,
            timeout=5,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        value = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout else ""
    except (OSError, subprocess.SubprocessError, IndexError):
        value = ""
    if not value:
        value = os.environ.get("ZDOTDIR", "") or str(home)
    return Path(value)


_SOURCES_BASHRC = re.compile(
    rb"^[ \t]*[^#\n]*(?:\.|source)[ \t]+[\"']?(?:\$HOME|\$\{HOME\}|~)/\.bashrc\b", re.MULTILINE
)


def sources_bashrc(data: bytes) -> bool:
    return bool(_SOURCES_BASHRC.search(data))


@dataclass(frozen=True)
class Target:
    """A file setup writes: a drop-in it owns, or a user's rc file that gets a managed block."""

    path: Path
    kind: str  # "dropin" | "block"
    bash_only: bool = False  # block guarded so only bash runs it (in ~/.profile)


def dropin_path(shell: str) -> Path:
    """The file that defines okta-login for `shell` (bootstrap owns and regenerates it)."""
    return paths.config_dir() / f"okta-login.{shell}"


def fish_loader_path() -> Path:
    """fish loads conf.d itself (no rc edit); the file there only loads the function on first use."""
    return paths.fish_conf_d() / "okta-login.fish"


def dropin_targets(shell: str) -> list[Target]:
    out = [Target(dropin_path(shell), "dropin")]
    if shell == "fish":
        out.append(Target(fish_loader_path(), "dropin"))
    return out


def owned_files() -> list[Path]:
    """Every file bootstrap may have written for any shell (uninstall removes them all)."""
    return [t.path for shell in SUPPORTED for t in dropin_targets(shell)]


def targets(shell: str, home: Path | None = None) -> list[Target]:
    """Every file setup touches for `shell`, drop-ins first."""
    home = home or paths.home()
    out = dropin_targets(shell)
    if shell == "bash":
        out.append(Target(home / ".bashrc", "block"))
        login = bash_login_file(home)
        if login is not None and not sources_bashrc(_read(login)):
            out.append(Target(login, "block", bash_only=login.name == ".profile"))
    elif shell == "zsh":
        out.append(Target(zdotdir(home) / ".zshrc", "block"))
    return out


def bash_login_file(home: Path) -> Path | None:
    """The file a bash login shell reads, or where setup should create one (macOS only)."""
    for name in (".bash_profile", ".bash_login", ".profile"):
        candidate = home / name
        if candidate.exists():
            return candidate
    # Creating ~/.bash_profile on Linux would stop ~/.profile from being read; macOS terminals start login
    # shells and read only the login file, so there it is needed.
    return home / ".bash_profile" if sys.platform == "darwin" else None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def rc_candidates(home: Path | None = None) -> list[Path]:
    """Every file that may hold our block (uninstall and doctor look in all of them)."""
    home = home or paths.home()
    names = [".bashrc", ".bash_profile", ".bash_login", ".profile"]
    out = [home / n for n in names]
    zrc = zdotdir(home) / ".zshrc"
    out.append(zrc)
    if zrc != home / ".zshrc":
        out.append(home / ".zshrc")
    return out


def reload_hint(shell: str, rc: Path | None) -> str:
    if shell == "fish":
        return "open a new terminal (or run `exec fish`)"
    if rc is not None:
        return f"open a new terminal, or run `exec {shell}` (or `source {rc}`)"
    return f"open a new terminal (or run `exec {shell}`)"
