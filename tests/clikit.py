"""Helpers for CLI tests: run in-process without tracebacks, and snapshot a directory tree exactly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bootstrap.cli import run

Snapshot = dict[str, tuple[str, bytes, int]]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return code, out.out, out.err


def snapshot(root: Path) -> Snapshot:
    """Every file, directory and link under `root` with its bytes (or target) and mode."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            mode = p.lstat().st_mode & 0o7777
            if p.is_symlink():
                out[str(p)] = ("link", os.readlink(p).encode(), 0)
            elif p.is_dir():
                out[str(p)] = ("dir", b"", mode)
            else:
                out[str(p)] = ("file", p.read_bytes(), mode)
    return out
