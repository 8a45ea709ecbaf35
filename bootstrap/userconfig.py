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
# `bootstrap setup` reads the config too, so it cannot rewrite a broken one: the file must go first.
REWRITE_HINT = "fix that line, or move the file aside and run `bootstrap setup` again"


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


def _line_of(text: str, key: str, start: int = 0) -> int | None:
    # [ \t], not \s: \s would match newlines and name the blank line before the key.
    match = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE).search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    # tomllib says "(at end of document)" for an unclosed array or string: name the last line instead.
    last = text.rstrip("\n").count("\n") + 1
    return str(exc).replace("(at end of document)", f"(at line {last}, the end of the file)")


_CHANGE_TYPES: dict[str, tuple[type, str]] = {
    "path": (str, "must be an absolute path (a string)"),
    "kind": (str, 'must be "block" or "dropin"'),
    "existed": (bool, "must be true or false"),
    "backup": (str, "must be an absolute path (a string) or empty"),
    "sha256": (str, "must be a string"),
}


def load(path: Path | None = None) -> UserConfig | None:
    """The stored config, or None when there is none. A broken file raises naming file and line."""
    path = path or paths.config_file()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise BootstrapError(f"{path} (line {line}): not UTF-8 text", REWRITE_HINT) from None
    except OSError as exc:
        raise BootstrapError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BootstrapError(f"{path}: {_toml_error(exc, text)}", REWRITE_HINT) from None
    return _parse(data, text, path)


def _parse(data: dict[str, Any], text: str, path: Path) -> UserConfig:
    def bad(key: str, expected: str, start: int = 0) -> BootstrapError:
        line = _line_of(text, key, start)
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
    # Each entry drives what uninstall restores or deletes: check every field, naming its own line.
    tables = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*changes[ \t]*\]\]", text, re.MULTILINE)]
    for index, item in enumerate(changes):
        start = tables[index] if index < len(tables) else 0
        if not isinstance(item, dict):
            raise bad("changes", "must be a list of [[changes]] tables")
        for key, value in item.items():
            if key not in _CHANGE_TYPES:
                raise bad(key, f"in [[changes]] is unknown: expected only {', '.join(_CHANGE_TYPES)}", start)
            typ, expected = _CHANGE_TYPES[key]
            if not isinstance(value, typ):
                raise bad(key, f"in [[changes]] {expected}", start)
        if not isinstance(item.get("path"), str) or not Path(item["path"]).is_absolute():
            raise bad("path", "in [[changes]] " + _CHANGE_TYPES["path"][1], start)
        if item.get("kind") not in ("block", "dropin"):
            raise bad("kind", "in [[changes]] " + _CHANGE_TYPES["kind"][1], start)
        if not isinstance(item.get("existed"), bool):
            raise bad("existed", "in [[changes]] " + _CHANGE_TYPES["existed"][1], start)
        if item.get("backup") and not Path(item["backup"]).is_absolute():
            raise bad("backup", "in [[changes]] " + _CHANGE_TYPES["backup"][1], start)
        cfg.changes.append(Change(**item))
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
