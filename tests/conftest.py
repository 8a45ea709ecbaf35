"""Test isolation: every test runs with HOME, XDG_* and the AWS files in a temp dir.

A test that writes into the real home directory fails (see `_real_home_untouched`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["harness.fixtures"]

REAL_HOME = Path(os.path.expanduser("~"))
# What bootstrap, its shells and aws-okta-processor could write in a home directory.
WATCHED = [
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".config/bootstrap",
    ".config/fish/conf.d",
    ".aws",
    ".aws-okta-processor",
]


def _snapshot(home: Path) -> dict[str, tuple[int, int] | None]:
    out: dict[str, tuple[int, int] | None] = {}
    for rel in WATCHED:
        p = home / rel
        try:
            st = p.stat()
        except OSError:
            out[rel] = None
        else:
            out[rel] = (st.st_mtime_ns, st.st_size)
    return out


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point everything a user owns at tmp_path/home; drop the AWS and bootstrap variables."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOOTSTRAP_", "INTEGRATES_DEV_", "OKTA_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("ZDOTDIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws/config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws/credentials"))
    # botocore's credential chain would otherwise probe 169.254.169.254.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_COLOR", "1")
    yield home


@pytest.fixture(autouse=True)
def _real_home_untouched() -> Iterator[None]:
    before = _snapshot(REAL_HOME)
    yield
    after = _snapshot(REAL_HOME)
    changed = [k for k in WATCHED if before[k] != after[k]]
    if changed:
        pytest.fail(f"test touched the real home directory: {', '.join(changed)}")
