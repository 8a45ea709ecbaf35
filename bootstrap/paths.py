"""Where bootstrap keeps its files: env override, then XDG, then ~/.config (on macOS too)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.path.expanduser("~"))


def xdg_config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    return Path(value) if os.path.isabs(value) else home() / ".config"


def config_dir() -> Path:
    override = os.environ.get("BOOTSTRAP_CONFIG_DIR", "")
    if override:
        return Path(override).expanduser()
    return xdg_config_home() / "bootstrap"


def config_file() -> Path:
    return config_dir() / "config.toml"


def backup_dir() -> Path:
    return config_dir() / "backups"


def lock_file() -> Path:
    return config_dir() / ".lock"


def fish_conf_d() -> Path:
    return xdg_config_home() / "fish" / "conf.d"
