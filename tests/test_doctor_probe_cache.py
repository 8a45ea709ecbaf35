"""The doctor remembers a Python tool's successful `--version` only while nothing it depends on changed."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bootstrap.doctor import checks, runner
from bootstrap.doctor.model import Inputs


def _prefix(root: Path) -> Path:
    """A Python prefix of our own: bin/python (a link to this interpreter) and an empty site-packages."""
    (root / "bin").mkdir(parents=True)
    (root / "bin/python").symlink_to(sys.executable)
    (root / "lib/python3.11/site-packages").mkdir(parents=True)
    return root


def _tool(prefix: Path, name: str, version: str, *, fails: bool = False, shebang: str = "") -> Path:
    """A console script that counts its runs in <name>.runs and prints `version`."""
    path = prefix / "bin" / name
    counter = prefix / f"{name}.runs"
    body = [
        f"#!{shebang or prefix / 'bin/python'}",
        "import sys",
        f"open({str(counter)!r}, 'a').write('x')",
        f"print({version!r})",
        f"sys.exit({1 if fails else 0})",
    ]
    path.write_text("\n".join(body) + "\n")
    path.chmod(0o755)
    return path


def _runs(prefix: Path, name: str) -> int:
    counter = prefix / f"{name}.runs"
    return len(counter.read_text()) if counter.exists() else 0


def _inputs(prefix: Path, home: Path, **extra: str) -> Inputs:
    environ = {"PATH": str(prefix / "bin"), "XDG_CACHE_HOME": str(home / ".cache"), **extra}
    return replace(runner.gather(offline=True), environ=environ)


def test_a_python_tools_answer_is_reused_until_something_changes(tmp_path: Path, isolated_env: Path) -> None:
    prefix = _prefix(tmp_path / "venv")
    _tool(prefix, "aws-okta-processor", "1.10.0")
    for _ in range(3):
        result = checks.tools_aws_okta_processor(_inputs(prefix, isolated_env))
        assert result.status == "ok" and "1.10.0" in result.summary
    assert _runs(prefix, "aws-okta-processor") == 1
    # pip installs or removes something in site-packages: the tool runs again.
    (prefix / "lib/python3.11/site-packages/six.py").write_text("")
    checks.tools_aws_okta_processor(_inputs(prefix, isolated_env))
    assert _runs(prefix, "aws-okta-processor") == 2
    # Another PYTHONPATH can import other modules: run again.
    checks.tools_aws_okta_processor(_inputs(prefix, isolated_env, PYTHONPATH=str(tmp_path)))
    assert _runs(prefix, "aws-okta-processor") == 3
    # An upgrade rewrites the script: the new version is seen at once.
    _tool(prefix, "aws-okta-processor", "1.9.2-upgraded")
    result = checks.tools_aws_okta_processor(_inputs(prefix, isolated_env))
    assert result.status == "fail" and "1.9.2" in result.summary


def test_the_answer_expires(tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = _prefix(tmp_path / "venv")
    _tool(prefix, "aws", "aws-cli/1.46.3 Python/3.11.7 Linux/6.1 botocore/1.43.62")
    checks.tools_aws(_inputs(prefix, isolated_env))
    monkeypatch.setattr(checks, "PROBE_TTL", 0.0)
    result = checks.tools_aws(_inputs(prefix, isolated_env))
    assert result.status == "ok" and "aws-cli 1.46.3" in result.summary
    assert _runs(prefix, "aws") == 2


def test_a_failure_is_never_remembered(tmp_path: Path, isolated_env: Path) -> None:
    prefix = _prefix(tmp_path / "venv")
    _tool(prefix, "aws-okta-processor", "ModuleNotFoundError: No module named six", fails=True)
    for _ in range(2):
        result = checks.tools_aws_okta_processor(_inputs(prefix, isolated_env))
        assert result.status == "fail" and "No module named six" in result.summary
    assert _runs(prefix, "aws-okta-processor") == 2


@pytest.mark.parametrize("shebang", ["/usr/bin/env python3", "/bin/sh"])
def test_shims_and_wrappers_always_run(tmp_path: Path, isolated_env: Path, shebang: str) -> None:
    prefix = _prefix(tmp_path / "venv")
    path = _tool(prefix, "aws-okta-processor", "1.10.0", shebang=shebang)
    if shebang == "/bin/sh":
        counter = prefix / "aws-okta-processor.runs"
        path.write_text(f"#!/bin/sh\nprintf x >> '{counter}'\necho 1.10.0\n")
    for _ in range(2):
        env = {"PATH": f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        inputs = replace(runner.gather(offline=True), environ={**env, "XDG_CACHE_HOME": str(isolated_env)})
        assert checks.tools_aws_okta_processor(inputs).status == "ok"
    assert _runs(prefix, "aws-okta-processor") == 2


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, isolated_env: Path) -> None:
    prefix = _prefix(tmp_path / "venv")
    _tool(prefix, "aws-okta-processor", "1.10.0")
    (isolated_env / "not-a-dir").write_text("")
    inputs = replace(_inputs(prefix, isolated_env), environ={
        "PATH": str(prefix / "bin"), "XDG_CACHE_HOME": str(isolated_env / "not-a-dir"),
    })  # fmt: skip
    for _ in range(2):
        assert checks.tools_aws_okta_processor(inputs).status == "ok"
    assert _runs(prefix, "aws-okta-processor") == 2
