"""Resolve what a command works with: the org settings and the stored user config, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bootstrap import org as orgmod
from bootstrap import userconfig
from bootstrap.org import Org
from bootstrap.userconfig import UserConfig


@dataclass
class Context:
    org: Org
    cfg: UserConfig | None  # None: setup has not run

    @property
    def org_file(self) -> Path | None:
        return None if self.org.source == "built-in defaults" else Path(self.org.source)


def org_path(flag: Path | None, cfg: UserConfig | None) -> Path | None:
    """--org-file, else BOOTSTRAP_ORG_FILE, else the file setup remembered, else none (defaults)."""
    if flag is not None:
        return flag
    env = orgmod.org_file_from_env()
    if env is not None:
        return env
    if cfg is not None and cfg.org_file:
        return Path(cfg.org_file)
    return None


def load(org_file: Path | None = None) -> Context:
    cfg = userconfig.load()
    return Context(orgmod.load(org_path(org_file, cfg)), cfg)
