"""Where aws-okta-processor is, and how the okta-login function should call it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

NAME = "aws-okta-processor"
NIX_STORE = "/nix/store/"


def beside_python() -> Path | None:
    """The copy pip installed next to this interpreter (a venv whose bin is not on PATH), if any."""
    beside = Path(sys.executable).parent / NAME
    return beside if beside.is_file() and os.access(beside, os.X_OK) else None


def find(path: str | None = None) -> str | None:
    """On PATH (`path`, default this process's), else beside this Python."""
    found = shutil.which(NAME, path=path)
    if found:
        return found
    beside = beside_python()
    return str(beside) if beside else None


def command_word(path: str | None = None) -> str:
    """What okta-login runs: the bare name when PATH finds the tool (Nix, pipx, an activated venv); the
    full path when pip put it beside bootstrap's Python in a venv that is not on PATH, so the quick start
    without Nix works without editing PATH. Never a /nix/store path: it breaks after garbage collection."""
    if shutil.which(NAME, path=path):
        return NAME
    beside = beside_python()
    if beside is not None and not str(beside).startswith(NIX_STORE):
        return str(beside)
    return NAME
