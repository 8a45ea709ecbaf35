"""The user's stored choices (`config.toml`): user, role, shell, org file, and the files setup changed."""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bootstrap import paths, validate
from bootstrap.errors import BootstrapError
from bootstrap.fsutil import atomic_write, ensure_private_dir

FORMAT_VERSION = 1
REWRITE_HINT = "run `bootstrap setup` to rewrite it"


@dataclass
class Change:
    """One file setup created or edited, with what an exact uninstall needs."""

    path: str
    kind: str  # "block": our block in a user's file; "dropin": a file bootstrap owns
    existed: bool  # the file existed before setup first touched it
    backup: str = ""  # copy of the original bytes (only when existed)
    sha256: str = ""  # content after our last write: if it differs now, the user edited the file


@dataclass
class UserConfig:
    user: str = ""
    role: str = ""
    shell: str = ""
    org_file: str = ""
    changes: list[Change] = field(default_factory=list)

    def change_for(self, path: Path) -> Change | None:
        for change in self.changes:
            if change.path == str(path):
                return change
        return None


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def load(path: Path | None = None) -> UserConfig | None:
    """The stored config, or None when there is none. A broken file raises naming file and line."""
    path = path or paths.config_file()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise BootstrapError(f"{path}: not UTF-8 text", REWRITE_HINT) from None
    except OSError as exc:
        raise BootstrapError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BootstrapError(f"{path}: {exc}", REWRITE_HINT) from None
    return _parse(data, text, path)


def _parse(data: dict[str, Any], text: str, path: Path) -> UserConfig:
    def bad(key: str, expected: str) -> BootstrapError:
        line = _line_of(text, key)
        at = f" (line {line})" if line else ""
        return BootstrapError(f"{path}{at}: {key} {expected}", REWRITE_HINT)

    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise bad("version", f"must be {FORMAT_VERSION}; this file is from another bootstrap")
    cfg = UserConfig()
    for key in ("user", "role", "shell", "org_file"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise bad(key, "must be a string")
        setattr(cfg, key, value)
    try:
        if cfg.user:
            validate.user(cfg.user, "user")
        if cfg.role:
            validate.role(cfg.role, "role")
    except BootstrapError as exc:
        key = "user" if "user" in exc.message.split(":")[0] else "role"
        raise bad(key, exc.message.split(": ", 1)[1]) from None
    if cfg.shell and cfg.shell not in ("bash", "zsh", "fish"):
        raise bad("shell", "must be bash, zsh or fish")
    changes = data.get("changes", [])
    if not isinstance(changes, list):
        raise bad("changes", "must be a list of [[changes]] tables")
    for item in changes:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise bad("path", "in [[changes]] must be a string")
        try:
            cfg.changes.append(Change(**item))
        except TypeError:
            raise bad("changes", f"has an unexpected entry: {sorted(item)}") from None
    return cfg


def save(cfg: UserConfig, path: Path | None = None) -> None:
    import tomli_w

    path = path or paths.config_file()
    ensure_private_dir(path.parent)
    data: dict[str, Any] = {"version": FORMAT_VERSION}
    for key in ("user", "role", "shell", "org_file"):
        if getattr(cfg, key):
            data[key] = getattr(cfg, key)
    data["changes"] = [asdict(c) for c in cfg.changes]
    body = "# Written by `bootstrap setup`. No password is ever stored here.\n" + tomli_w.dumps(data)
    atomic_write(path, body.encode("utf-8"), mode=0o600)
