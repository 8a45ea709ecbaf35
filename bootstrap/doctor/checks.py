"""The doctor's checks: one small function per stable id, each reading the shared `Inputs` only.

A check returns a Result and may raise: the runner turns an exception into a `fail` with its message.
Every non-ok result carries a hint saying what to run. No check prints a secret: access key ids go
through `creds.mask`, secret keys, session tokens and Okta session ids are never put in a result.
requests is imported inside the functions that use it (`bootstrap --help` must stay fast).
"""

from __future__ import annotations

import configparser
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bootstrap import aws, blocks, install, paths, render, shells, tool
from bootstrap import creds as credsmod
from bootstrap.doctor import tlsinfo
from bootstrap.doctor.model import Inputs, Result, Status, fail, ok, skip, warn
from bootstrap.errors import BootstrapError
from bootstrap.org import Org

SETUP = "run `bootstrap setup`"
TOOL = "aws-okta-processor"
# pyproject pins aws-okta-processor>=1.10,<2: the okta-login templates parse 1.10's --environment output.
TOOL_MIN = (1, 10)
TOOL_MAX_MAJOR = 1
TOOL_INSTALL = "pip install --upgrade 'aws-okta-processor>=1.10,<2' (or `nix develop`)"
# AWS CLI releases from July 2023 on (botocore 1.31) honour AWS_ENDPOINT_URL_*; older ones predate the
# service-specific endpoint settings and much of today's STS behaviour.
AWS_CLI_MIN = {1: (1, 29), 2: (2, 13)}
AWS_CLI_INSTALL = (
    "install AWS CLI v2: `nix develop` has it, or "
    "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
)
CLOCK_WARN = 60.0
CLOCK_FAIL = 300.0  # SigV4 signatures and Okta's SAML assertions are refused beyond ~5 minutes
PROXY_VARS = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
# What `bash -i` says on stderr when it has no terminal: not a problem of the user's rc files.
_NO_TTY_NOISE = ("cannot set terminal process group", "no job control in this shell")
_MARK = "__bootstrap_doctor_okta_login_defined__"


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Ran:
    """A finished (or abandoned) child process."""

    returncode: int | None  # None: it did not finish in time and was killed
    stdout: str
    stderr: str


def run_process(argv: list[str], env: Mapping[str, str], timeout: float) -> Ran:
    """Run without a controlling terminal (an interactive shell would otherwise take over the user's
    terminal, and aws-okta-processor writes to /dev/tty); on timeout kill its whole process group."""
    proc = subprocess.Popen(
        argv,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return Ran(proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            out, err = proc.communicate(timeout=1)
        except subprocess.TimeoutExpired:  # a grandchild in another session still holds the pipes
            out, err = "", ""
        return Ran(None, out or "", err or "")


# `aws --version` and `aws-okta-processor --version` each cost a full start of the tool (~0.3 s: both
# import botocore), most of an offline doctor's time (bench/RESULTS.md). A successful answer of a Python
# console script is reused while nothing it depends on has changed (the script, its interpreter, that
# interpreter's site-packages directories, PYTHON* variables) and for at most PROBE_TTL seconds. A failure,
# a shim, a wrapper or a binary is run every time.
PROBE_TTL = 3600.0
_PYTHON_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONSAFEPATH")
_SITE_DIRS = ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages")


def _probe_stamps(found: str, inp: Inputs) -> list[list[Any]] | None:
    """What `found --version` depends on, or None when that cannot be known (then it is not cached)."""
    try:
        with open(found, "rb") as handle:
            first = handle.readline(512)
    except OSError:
        return None
    words = first[2:].split() if first.startswith(b"#!") else []
    if len(words) != 1 or not os.path.basename(words[0]).startswith(b"python"):
        return None  # `#!/usr/bin/env python3` (PATH decides), a shell wrapper, a binary
    python = Path(os.fsdecode(words[0]))
    if not python.is_absolute():
        return None
    real = python.resolve()
    files = [Path(found), python, real, python.parent.parent / "pyvenv.cfg"]
    # pip adds or removes entries in site-packages when it installs, upgrades or uninstalls anything.
    for root in dict.fromkeys((python.parent.parent, real.parent.parent, inp.home / ".local")):
        for pattern in _SITE_DIRS:
            files += sorted(root.glob(pattern))
    stamps: list[list[Any]] = [[name, inp.environ.get(name)] for name in _PYTHON_VARS]
    for path in files:
        try:
            st = path.stat()
        except OSError:
            stamps.append([str(path)])
        else:
            stamps.append([str(path), st.st_ino, st.st_size, st.st_mtime_ns])
    return stamps


def _probe_cache_file(found: str, inp: Inputs) -> Path:
    """One file per tool and Python environment (shells with another PYTHONPATH keep their own answer)."""
    value = inp.environ.get("XDG_CACHE_HOME", "")
    base = Path(value) if os.path.isabs(value) else inp.home / ".cache"
    key = json.dumps([found, *(inp.environ.get(name) for name in _PYTHON_VARS)])
    return base / "bootstrap" / "doctor" / f"version-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def probe_version(found: str, inp: Inputs) -> Ran:
    """`found --version`, or its remembered successful answer (see PROBE_TTL)."""
    stamps = _probe_stamps(found, inp)
    cache = _probe_cache_file(found, inp) if stamps is not None else None
    if cache is not None:
        try:
            saved = json.loads(cache.read_text())
            if saved["stamps"] == stamps and 0 <= time.time() - float(saved["at"]) < PROBE_TTL:
                return Ran(0, str(saved["stdout"]), str(saved["stderr"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    ran = run_process([found, "--version"], inp.environ, inp.timeouts.process)
    if cache is not None and ran.returncode == 0:
        record = {"stamps": stamps, "at": time.time(), "stdout": ran.stdout, "stderr": ran.stderr}
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}.{threading.get_ident()}")
            partial.write_text(json.dumps(record))
            os.replace(partial, cache)
        except OSError:
            pass  # an unwritable cache only means the next doctor runs the tool again
    return ran


def parallel(calls: list[Callable[[], Any]], timeout: float) -> list[Any]:
    """Run `calls` in daemon threads; each slot holds the value, the exception, or TimeoutError."""
    results: list[Any] = [TimeoutError(f"no result within {timeout:g} s")] * len(calls)

    def runner(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller as a value
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return list(results)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _q(path: Path | str) -> str:
    return shlex.quote(str(path))


def _tilde(path: Path, home: Path) -> str:
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


class Findings(list[tuple[Status, str, str]]):
    """What one check found wrong: (status, summary, hint) each."""

    def add(self, status: Status, summary: str, hint: str) -> None:
        self.append((status, summary, hint))


def _merge(problems: list[tuple[Status, str, str]], ok_summary: str, details: dict[str, Any]) -> Result:
    """Several findings of one check → one result: the worst status, summaries and hints joined."""
    if not problems:
        return ok(ok_summary, **details)
    order = {"fail": 0, "warn": 1, "skip": 2, "ok": 3}
    status = min((p[0] for p in problems), key=order.__getitem__)
    ranked = sorted(problems, key=lambda p: order[p[0]])
    hints: list[str] = []
    for _, _, hint in ranked:
        if hint and hint not in hints:
            hints.append(hint)
    return Result(status, "; ".join(p[1] for p in ranked), "\n".join(hints), details)


def _settings(inp: Inputs) -> render.LoginSettings | None:
    cfg, org = inp.cfg, inp.org
    if cfg is None or org is None or not cfg.user or not cfg.role:
        return None
    try:
        # The tool as setup would call it from this environment (bare name, or full path off PATH).
        command = tool.command_word(inp.environ.get("PATH", ""))
        return render.LoginSettings(cfg.user, cfg.role, org, tool=command)
    except BootstrapError:
        return None


def _redact_url(value: str) -> str:
    """A proxy URL without its password (http://user:secret@proxy → http://user:***@proxy)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return "(unparsable)"
    if parts.password is None:
        return value
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def proxies(environ: Mapping[str, str]) -> dict[str, str]:
    return {n: _redact_url(environ[n]) for n in PROXY_VARS if environ.get(n)}


def _ntp_hint() -> str:
    if sys.platform == "darwin":
        return "set the clock right: `sudo sntp -sS time.apple.com` (or System Settings > Date & Time)"
    return "set the clock right: `sudo timedatectl set-ntp true` (or your distribution's NTP service)"


# --------------------------------------------------------------------------- tools


def tools_aws(inp: Inputs) -> Result:
    """The AWS CLI is on PATH and recent enough to use okta-login's credentials."""
    found = shutil.which("aws", path=inp.environ.get("PATH", ""))
    if not found:
        return warn(
            "aws (the AWS CLI) is not on PATH: okta-login works, but you need it to use AWS", AWS_CLI_INSTALL
        )
    ran = probe_version(found, inp)
    text = (ran.stdout + ran.stderr).strip()
    if ran.returncode is None:
        return warn(
            f"`{found} --version` did not answer within {inp.timeouts.process:g} s",
            AWS_CLI_INSTALL,
            path=found,
        )
    match = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", text)
    if ran.returncode != 0 or not match:
        first = text.splitlines()[0] if text else f"exit {ran.returncode}"
        return warn(
            f"{found} is not a working AWS CLI (`aws --version`: {first[:120]})", AWS_CLI_INSTALL, path=found
        )
    version = tuple(int(g) for g in match.groups())
    dotted = ".".join(map(str, version))
    details = {"path": found, "version": dotted}
    minimum = AWS_CLI_MIN.get(version[0])
    if minimum is None:
        return warn(f"aws-cli {dotted}: an unknown major version", AWS_CLI_INSTALL, **details)
    if version[:2] < minimum:
        wanted = ".".join(map(str, minimum))
        return warn(
            f"aws-cli {dotted} is too old (older than {wanted}, July 2023: it ignores AWS_ENDPOINT_URL_*)",
            AWS_CLI_INSTALL,
            **details,
        )
    return ok(f"aws-cli {dotted} ({found})", **details)


def tools_aws_okta_processor(inp: Inputs) -> Result:
    """aws-okta-processor is where okta-login looks for it (PATH), in a supported version."""
    path_env = inp.environ.get("PATH", "")
    found = tool.find(path_env)
    if not found:
        return fail(f"{TOOL} is not installed: okta-login cannot log in without it", TOOL_INSTALL)
    if tool.command_word(path_env) == found:
        # Off PATH, beside bootstrap's Python: setup renders okta-login with this full path (the profile
        # check says whether the drop-in is current).
        found_note = " (not on PATH: okta-login calls it by this full path)"
    else:
        found_note = ""
    ran = probe_version(found, inp)
    text = (ran.stdout + ran.stderr).strip()
    if ran.returncode is None:
        return fail(
            f"`{TOOL} --version` did not answer within {inp.timeouts.process:g} s", TOOL_INSTALL, path=found
        )
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?\S*", text.splitlines()[-1].strip() if text else "")
    if ran.returncode != 0 or not match:
        last = text.splitlines()[-1][:160] if text else f"exit {ran.returncode}"
        return fail(f"{found} is broken (`{TOOL} --version`: {last})", TOOL_INSTALL, path=found)
    version = tuple(int(g or 0) for g in match.groups())
    dotted = ".".join(map(str, version))
    details = {"path": found, "version": dotted}
    if version[:2] < TOOL_MIN:
        return fail(
            f"{TOOL} {dotted} is too old: okta-login is written for 1.10 (its options and output)",
            TOOL_INSTALL,
            **details,
        )
    if version[0] > TOOL_MAX_MAJOR:
        return warn(
            f"{TOOL} {dotted} is a new major version that bootstrap was not tested with",
            TOOL_INSTALL,
            **details,
        )
    return ok(f"{TOOL} {dotted} ({found}){found_note}", **details)


# --------------------------------------------------------------------------- local state


def config(inp: Inputs) -> Result:
    """config.toml exists, parses, is private (0600), and names a user and a role of the organization."""
    path = paths.config_file()
    org = inp.org
    details: dict[str, Any] = {"path": str(path), "org_settings": org.source if org else inp.org_error}
    problems = Findings()
    if inp.org is None:
        problems.add(
            "fail",
            f"organization settings unusable: {inp.org_error}",
            "fix the org file, or unset BOOTSTRAP_ORG_FILE",
        )
    if inp.cfg_error:
        problems.add("fail", inp.cfg_error, inp.cfg_hint or "run `bootstrap setup` to rewrite it")
        return _merge(problems, "", details)
    cfg = inp.cfg
    if cfg is None:
        problems.add("warn", f"not set up yet: there is no {path}", SETUP)
        return _merge(problems, "", details)
    details.update(user=cfg.user, role=cfg.role, shell=cfg.shell)
    mode = _mode(path)
    details["mode"] = f"{mode:04o}"
    if mode & 0o077:
        problems.add(
            "warn", f"{path} is mode {mode:04o}, not 0600 (others can read it)", f"chmod 600 {_q(path)}"
        )
    if not cfg.user or not cfg.role:
        missing = " and ".join(k for k in ("user", "role") if not getattr(cfg, k))
        problems.add("warn", f"{path} has no {missing}", SETUP)
    elif org is not None and cfg.role not in org.roles:
        problems.add(
            "warn",
            f"role {cfg.role} is not one of this organization's roles ({', '.join(org.roles)})",
            f"run `bootstrap setup --role {org.default_role}`",
        )
    source = org.source if org else "unusable"
    return _merge(
        problems, f"{_tilde(path, inp.home)}: {cfg.user}, role {cfg.role}; org settings: {source}", details
    )


def shell(inp: Inputs) -> Result:
    """The shell running the doctor is the one okta-login was set up for."""
    detected = inp.detected_shell
    login = os.path.basename(inp.environ.get("SHELL", "")) or "unset"
    configured = inp.cfg.shell if inp.cfg else ""
    details = {"detected": detected or None, "configured": configured or None, "login_shell": login}
    if not detected:
        hint = "run `bootstrap setup --shell bash|zsh|fish` from the shell you use"
        if configured:
            return warn(
                f"cannot tell which shell this is ({inp.shell_error}); set up for {configured}",
                hint,
                **details,
            )
        return warn(f"cannot tell which shell this is ({inp.shell_error})", hint, **details)
    if not configured and inp.cfg_error:
        return warn(
            f"this is {detected}; the configured shell is unknown (config unreadable)", SETUP, **details
        )
    if not configured:
        return warn(f"this is {detected}; okta-login is not set up for any shell yet", SETUP, **details)
    if detected != configured:
        return warn(
            f"this is {detected}, but okta-login was set up for {configured}",
            f"run `bootstrap setup --shell {detected}` (the {configured} set-up stays)",
            **details,
        )
    return ok(f"{detected}, as set up (login shell: {login})", **details)


def _home_manager_lines(shell_name: str, home: Path) -> str:
    block = render.render_block(shells.dropin_path(shell_name), home).rstrip("\n")
    option = {"bash": "programs.bash.initExtra", "zsh": "programs.zsh.initContent"}.get(
        shell_name, "your shell's init"
    )
    return (
        f"add these lines to {option} in your home-manager config (or enable programs.bootstrap from this "
        f"repo's flake), then `home-manager switch`:\n{block}"
    )


def profile(inp: Inputs) -> Result:
    """Our block is in the right rc file(s) exactly once, well formed, and the drop-in is current."""
    shell_name = inp.shell
    home = inp.home
    if not shell_name:
        return skip(
            "no shell to check (not set up, none detected)", "run `bootstrap setup --shell bash|zsh|fish`"
        )
    problems = Findings()
    details: dict[str, Any] = {"shell": shell_name, "files": {}}
    files: dict[str, str] = details["files"]
    found: dict[Path, bytes] = {}
    nix_managed: list[Path] = []
    for path in shells.rc_candidates(home):
        real = Path(os.path.realpath(path))
        data = _read(real)
        if data is None:
            continue
        if str(real).startswith(install.NIX_STORE) and b"okta-login" in data:
            nix_managed.append(path)  # home-manager's programs.bootstrap sources a store snippet
        try:
            span = blocks.find(data, path)
        except BootstrapError as exc:
            problems.add("fail", exc.message, exc.hint or SETUP)
            files[str(path)] = "broken markers"
            continue
        if span is not None:
            found[path] = data[span[0] : span[1]]
            files[str(path)] = "block"

    cfg = inp.cfg
    if cfg is None:
        if nix_managed and not problems:
            where = ", ".join(_tilde(p, home) for p in nix_managed)
            return ok(f"okta-login comes from Nix-managed {where} (home-manager)", **details)
        lost = "config unreadable" if inp.cfg_error else "no config (lost?)"
        if found:
            where = ", ".join(_tilde(p, home) for p in found)
            problems.add("warn", f"bootstrap blocks in {where} but {lost}", f"{SETUP} to record them again")
        elif inp.cfg_error:
            problems.add("fail", f"no okta-login block for {shell_name}, and the config is unreadable", SETUP)
        else:
            problems.add("fail", f"okta-login is not set up for {shell_name}", SETUP)
        return _merge(problems, "", details)

    settings = _settings(inp)
    targets = shells.targets(shell_name, home)
    wanted_dropins = {t.path for t in targets if t.kind == "dropin"}
    wanted_dropins |= {Path(c.path) for c in cfg.changes if c.kind == "dropin"}
    owners = {t.path: sh for sh in shells.SUPPORTED for t in shells.dropin_targets(sh)}
    for dropin in sorted(wanted_dropins):
        data = _read(Path(os.path.realpath(dropin)))
        dropin_shell = owners.get(dropin, dropin.suffix.lstrip("."))
        if data is None:
            status: Status = "fail" if dropin_shell == shell_name else "warn"
            problems.add(status, f"{_tilde(dropin, home)} is missing", SETUP)
            files[str(dropin)] = "missing"
        elif settings is not None and dropin_shell in render.SHELLS:
            if data != install.dropin_content(dropin, settings, home):
                problems.add(
                    "warn",
                    f"{_tilde(dropin, home)} is out of date (older bootstrap, other settings, or edited)",
                    SETUP,
                )
                files[str(dropin)] = "out of date"
            else:
                files[str(dropin)] = "current"

    for target in targets:
        if target.kind != "block":
            continue
        real = Path(os.path.realpath(target.path))
        reason = install.why_unwritable(real)
        expected = render.render_block(shells.dropin_path(shell_name), home, target.bash_only).encode()
        got = found.get(target.path)
        name = _tilde(target.path, home)
        if got is None:
            if target.path in nix_managed:
                files[str(target.path)] = "Nix-managed, loads okta-login"
            elif reason:
                problems.add(
                    "warn",
                    f"{name} has no okta-login block and cannot be edited: {reason}",
                    _home_manager_lines(shell_name, home),
                )
                files[str(target.path)] = f"no block ({reason})"
            else:
                problems.add("fail", f"{name} has no okta-login block", SETUP)
                files[str(target.path)] = "no block"
        elif got != expected:
            problems.add("warn", f"the block in {name} differs from what setup writes", SETUP)
            files[str(target.path)] = "block differs"
        else:
            files[str(target.path)] = "block current"

    target_paths = {t.path for t in targets}
    for path in found:
        if path not in target_paths and cfg.change_for(path) is None:
            problems.add(
                "warn",
                f"a bootstrap block in {_tilde(path, home)} that setup did not record",
                f"delete the lines between the bootstrap markers in {path}, then {SETUP}",
            )
    loaded_by = ", ".join(_tilde(t.path, home) for t in targets)
    return _merge(problems, f"{shell_name}: okta-login set up in {loaded_by}", details)


def _probe_script(shell_name: str) -> str:
    if shell_name == "fish":
        return f"functions -q okta-login; and echo {_MARK}"
    if shell_name == "zsh":
        return f"typeset -f okta-login >/dev/null && echo {_MARK}"
    return f"declare -F okta-login >/dev/null && echo {_MARK}"


def _stderr_tail(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not any(n in ln for n in _NO_TTY_NOISE)]
    return "\n".join(lines[-3:])[:400]


def shell_loads(inp: Inputs) -> Result:
    """A fresh shell of the user's kind, started as a terminal would (HOME as it is), defines okta-login."""
    shell_name = inp.shell
    if not shell_name:
        return skip(
            "no shell to try (not set up, none detected)", "run `bootstrap setup --shell bash|zsh|fish`"
        )
    exe = shutil.which(shell_name, path=inp.environ.get("PATH", ""))
    if not exe:
        return fail(
            f"{shell_name} is not on PATH", f"install {shell_name}, or run `bootstrap setup --shell <yours>`"
        )
    # An exported function (bash's `export -f`) would make the fresh shell look right: drop them.
    env = {k: v for k, v in inp.environ.items() if not k.startswith("BASH_FUNC_")}
    script = _probe_script(shell_name)
    kinds: dict[str, list[str]] = {f"{shell_name} -i": [exe, "-i", "-c", script]}
    if shell_name == "fish":
        kinds = {"fish": [exe, "-c", script]}  # fish reads conf.d/*.fish for -c too
    if shell_name == "bash":
        kinds["bash -l -i"] = [exe, "-l", "-i", "-c", script]  # ssh sessions, macOS terminals
    limit = inp.timeouts.process
    calls: list[Callable[[], Any]] = [
        functools.partial(run_process, argv, env, limit) for argv in kinds.values()
    ]
    outcomes = parallel(calls, limit + 2)
    details: dict[str, Any] = {}
    problems = Findings()
    for (kind, _argv), ran in zip(kinds.items(), outcomes, strict=True):
        if isinstance(ran, Exception):
            raise ran
        login = kind.startswith("bash -l")
        if ran.returncode is None:
            details[kind] = "timed out"
            problems.add(
                "warn",
                f"`{kind}` did not finish starting within {limit:g} s: cannot tell",
                f"time your shell's start-up: `time {kind} -c exit`",
            )
        elif _MARK in ran.stdout:
            details[kind] = "defined"
        else:
            details[kind] = "not defined"
            tail = _stderr_tail(ran.stderr)
            if tail:
                details[f"{kind} stderr"] = tail
            said = f" (it said: {tail.splitlines()[-1][:160]})" if tail else ""
            if login and details.get("bash -i") == "not defined":
                continue  # the same cause as the interactive shell's: one finding is enough
            if login:
                status: Status = "fail" if sys.platform == "darwin" else "warn"
                problems.add(
                    status,
                    f"login shells (`{kind}`: ssh, macOS terminals) do not get okta-login{said}",
                    _login_hint(inp.home),
                )
            else:
                problems.add(
                    "fail",
                    f"a fresh `{kind}` does not define okta-login{said}",
                    f"{SETUP}, then open a new terminal (see the profile check for the file at fault)",
                )
    kinds_ok = " and ".join(f"`{k}`" for k in kinds)
    return _merge(problems, f"okta-login is defined in a fresh {kinds_ok}", details)


def _login_hint(home: Path) -> str:
    login = shells.bash_login_file(home)
    if login is None:
        return (
            "bash login shells read ~/.profile, which does not exist: "
            "`printf '%s\\n' '[ -r ~/.bashrc ] && . ~/.bashrc' >> ~/.profile`"
        )
    return f"{SETUP} (it adds the block to {_tilde(login, home)})"


# --------------------------------------------------------------------------- environment and caches


def _ini(path: Path) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string((_read(path) or b"").decode("utf-8", "replace"), str(path))
    except configparser.Error:
        return None
    return parser


def _aws_files(environ: Mapping[str, str], home: Path) -> tuple[Path, Path]:
    conf = environ.get("AWS_CONFIG_FILE") or str(home / ".aws" / "config")
    cred = environ.get("AWS_SHARED_CREDENTIALS_FILE") or str(home / ".aws" / "credentials")
    return Path(conf).expanduser(), Path(cred).expanduser()


def _profile_exists(name: str, conf: Path, cred: Path) -> bool:
    section = "default" if name == "default" else f"profile {name}"
    conf_ini, cred_ini = _ini(conf), _ini(cred)
    return bool((conf_ini and conf_ini.has_section(section)) or (cred_ini and cred_ini.has_section(name)))


def env(inp: Inputs) -> Result:
    """The shell's AWS variables: a profile that exists, complete and agreeing keys, not expired."""
    environ = inp.environ
    org = inp.org or Org()
    prefix = org.env_prefix
    details: dict[str, Any] = {}
    problems = Findings()
    notes: list[str] = []
    conf, cred = _aws_files(environ, inp.home)

    profile_name = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or ""
    if profile_name:
        details["AWS_PROFILE"] = profile_name
        if not _profile_exists(profile_name, conf, cred):
            problems.add(
                "fail",
                f"AWS_PROFILE={profile_name} names a profile that is in neither {conf} nor {cred} "
                "(aws-okta-processor stops before it asks Okta)",
                "unset AWS_PROFILE AWS_DEFAULT_PROFILE",
            )
        else:
            notes.append(f"AWS_PROFILE={profile_name}")

    sets: dict[str, tuple[str, str, str]] = {}
    for label in ("AWS_", f"{prefix}_AWS_"):
        key = environ.get(label + "ACCESS_KEY_ID", "")
        secret = environ.get(label + "SECRET_ACCESS_KEY", "")
        token = environ.get(label + "SESSION_TOKEN", "")
        if not (key or secret or token):
            continue
        details[f"{label}ACCESS_KEY_ID"] = credsmod.mask(key) if key else None
        details[f"{label}SECRET_ACCESS_KEY"] = "set" if secret else None
        details[f"{label}SESSION_TOKEN"] = "set" if token else None
        names = f"{label}ACCESS_KEY_ID {label}SECRET_ACCESS_KEY {label}SESSION_TOKEN"
        if not key or not secret:
            have = f"{label}ACCESS_KEY_ID" if key else f"{label}SECRET_ACCESS_KEY"
            problems.add(
                "fail",
                f"{have} is set without its pair: incomplete credentials",
                f"unset {names}, then run `okta-login`",
            )
        elif key.startswith("ASIA") and not token:
            problems.add(
                "fail",
                f"{label}ACCESS_KEY_ID ({credsmod.mask(key)}) is temporary but "
                f"{label}SESSION_TOKEN is not set",
                f"unset {names}, then run `okta-login`",
            )
        sets[label] = (key, secret, token)
    if len(sets) == 2:
        (k1, s1, t1), (k2, s2, t2) = sets.values()
        if k1 != k2:
            problems.add(
                "warn",
                f"AWS_ACCESS_KEY_ID ({credsmod.mask(k1)}) and {prefix}_AWS_ACCESS_KEY_ID "
                f"({credsmod.mask(k2)}) differ: one of them is stale",
                "run `okta-login` (it sets both)",
            )
        elif (s1, t1) != (s2, t2):
            problems.add(
                "warn",
                f"AWS_* and {prefix}_AWS_* share the key id but not the secret or token: one is stale",
                "run `okta-login` (it sets both)",
            )

    raw_exp = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if raw_exp:
        details["AWS_CREDENTIAL_EXPIRATION"] = raw_exp
        expires = credsmod.parse_time(raw_exp)
        now = datetime.now(UTC)
        if expires is None:
            problems.add("warn", f"AWS_CREDENTIAL_EXPIRATION={raw_exp!r} is not a date", "run `okta-login`")
        elif expires <= now:
            ago = credsmod.human_delta((now - expires).total_seconds())
            problems.add("fail", f"the credentials here expired {ago} ago ({raw_exp})", "run `okta-login`")
        else:
            notes.append(f"valid for {credsmod.human_delta((expires - now).total_seconds())}")

    cred_ini = _ini(cred)
    static = cred_ini.get("default", "aws_access_key_id", fallback="") if cred_ini else ""
    if static and profile_name in ("", "default"):
        details["static_default_key"] = credsmod.mask(static)
        move = f"move the keys of [default] in {cred} into a named profile, or delete them"
        if sets:
            problems.add(
                "warn",
                f"static keys in {cred} [default] ({credsmod.mask(static)}) are hidden by the "
                "variables here, but used in any shell or tool without them",
                move,
            )
        else:
            problems.add(
                "warn",
                f"no credentials in this shell, so AWS tools use the static keys in {cred} "
                f"[default] ({credsmod.mask(static)}), not okta-login's",
                f"run `okta-login`; {move}",
            )

    if sets:
        key = next(iter(sets.values()))[0]
        labels = " and ".join(f"{label}*" for label in sets)
        summary = f"{labels} set ({credsmod.mask(key)})"
    else:
        summary = "no AWS credentials in this shell yet (okta-login sets them)"
    summary = ", ".join([summary, *notes])
    return _merge(problems, summary, details)


def _boto_cache_key(organization: str, user: str, role: str) -> str:
    """The file name aws-okta-processor's JSONFileCache uses: sha1 of {Organization, User, Key}; okta-login
    passes `--key <role>` (core/fetcher.py `_create_cache_key`)."""
    key = json.dumps({"Organization": organization, "User": user, "Key": role}, sort_keys=True)
    return hashlib.sha1(key.encode()).hexdigest()


def cache(inp: Inputs) -> Result:
    """aws-okta-processor's caches: private modes, not expired, and for the role their key says."""
    home = inp.home
    okta_dir = home / ".aws-okta-processor" / "cache"
    boto_dir = home / ".aws" / "boto" / "cache"
    problems = Findings()
    notes: list[str] = []
    details: dict[str, Any] = {"okta_sessions": {}, "aws_credentials": {}}
    now = datetime.now(UTC)
    cfg, org = inp.cfg, inp.org
    loose: list[Path] = []

    ours_okta = f"{cfg.user}-{org.organization}-session.json" if cfg and org and cfg.user else None
    for path in sorted(okta_dir.glob("*-session.json")) if okta_dir.is_dir() else []:
        entry: dict[str, Any] = {"mode": f"{_mode(path):04o}"}
        details["okta_sessions"][path.name] = entry
        if _mode(path) & 0o077:
            loose.append(path)
        try:
            data = json.loads(path.read_bytes())
            expires = credsmod.parse_time(str(data.get("expiresAt", "")))
        except (ValueError, OSError, AttributeError):
            problems.add("warn", f"{path} is not readable JSON", f"rm {_q(path)}")
            continue
        entry["expires"] = expires.isoformat() if expires else None
        if path.name == ours_okta:
            if expires is None or expires <= now:
                notes.append("Okta session expired (okta-login asks for the password)")
            else:
                notes.append(
                    f"Okta session valid for {credsmod.human_delta((expires - now).total_seconds())}"
                )

    if cfg is not None and org is not None and cfg.user:
        for role in org.roles:
            path = boto_dir / f"{_boto_cache_key(org.organization, cfg.user, role)}.json"
            if not path.exists():
                continue
            entry = {"role_key": role, "mode": f"{_mode(path):04o}"}
            details["aws_credentials"][path.name] = entry
            if _mode(path) & 0o077:
                loose.append(path)
            try:
                data = json.loads(path.read_bytes())
                arn = str(data.get("AssumedRoleUser", {}).get("Arn", ""))
                expires = credsmod.parse_time(str(data.get("Credentials", {}).get("Expiration", "")))
            except (ValueError, OSError, AttributeError):
                problems.add("warn", f"{path} is not readable JSON", f"rm {_q(path)}")
                continue
            match = aws.ASSUMED_ROLE_RE.match(arn)
            cached_role, account = (match.group(2), match.group(1)) if match else (None, None)
            entry.update(arn=arn or None, expires=expires.isoformat() if expires else None)
            if cached_role != role or account != org.account_id:
                problems.add(
                    "warn",
                    f"cached AWS credentials for role {role} are really for {arn or 'an unknown role'}",
                    f"run `okta-login {role} --no-aws-cache`",
                )
            # aws-okta-processor treats cached credentials as expired 600 s early.
            elif expires is None or (expires - now).total_seconds() < 600:
                notes.append(f"cached {role} credentials expired (okta-login fetches new ones)")
            else:
                left = credsmod.human_delta((expires - now).total_seconds())
                notes.append(f"cached {role} credentials valid for {left}")
    if loose:
        problems.add(
            "warn",
            f"{len(loose)} cache file(s) readable by others: they hold live session tokens",
            "chmod 600 " + " ".join(_q(p) for p in loose),
        )
    if not details["okta_sessions"] and not details["aws_credentials"]:
        return _merge(problems, "no aws-okta-processor caches yet (okta-login creates them)", details)
    return _merge(problems, "; ".join(notes) or "caches present, private", details)


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class HttpAnswer:
    url: str
    status: int
    date: str  # the Date header, "" if none
    body: bytes
    location: str
    midpoint: datetime  # local clock halfway through the exchange: compared with Date
    proxy: str  # the proxy used for this URL, "" if none


def http_get(inp: Inputs, url: str, verify: bool | str = True) -> HttpAnswer:
    """One GET with (connect, read) timeouts; proxy and CA settings come from the environment, as for
    aws-okta-processor (requests)."""
    import requests

    t = inp.timeouts
    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url)) or ""
    before = time.time()
    response = requests.get(
        url,
        timeout=(t.connect, t.read),
        allow_redirects=False,
        verify=verify,
        headers={"Accept": "application/json"},
    )
    after = time.time()
    midpoint = datetime.fromtimestamp((before + after) / 2, UTC)
    return HttpAnswer(
        url,
        response.status_code,
        response.headers.get("Date", ""),
        response.content,
        response.headers.get("Location", ""),
        midpoint,
        _redact_url(proxy),
    )


def okta_url(org: Org) -> str:
    return f"https://{org.organization}/.well-known/okta-organization"


def okta_probe(inp: Inputs) -> HttpAnswer:
    """GET /.well-known/okta-organization once per run (net.okta and net.clock share it)."""
    assert inp.org is not None
    org = inp.org
    return inp.memo.get("okta", lambda: http_get(inp, okta_url(org)))


def sts_url(inp: Inputs) -> str:
    env = inp.environ
    region = inp.org.region if inp.org else "us-east-1"
    return (
        env.get("AWS_ENDPOINT_URL_STS")
        or env.get("AWS_ENDPOINT_URL")
        or f"https://sts.{region}.amazonaws.com"
    ).rstrip("/") + "/"


def sts_probe(inp: Inputs) -> HttpAnswer:
    import certifi

    # botocore trusts AWS_CA_BUNDLE, else certifi's bundle; never REQUESTS_CA_BUNDLE: do the same.
    verify = inp.environ.get("AWS_CA_BUNDLE") or certifi.where()
    return inp.memo.get("sts", lambda: http_get(inp, sts_url(inp), verify))


def _bundles(environ: Mapping[str, str]) -> dict[str, str | None]:
    return {n: environ.get(n) or None for n in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE")}


def _bundle_note(environ: Mapping[str, str]) -> str:
    """Okta (requests) and STS (botocore) read different CA settings: say when they point apart."""
    okta_side = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or ""
    aws_side = environ.get("AWS_CA_BUNDLE") or ""
    if okta_side == aws_side:
        return ""
    name = "REQUESTS_CA_BUNDLE" if environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE"
    return f"; {name} ({okta_side or 'unset'}) and AWS_CA_BUNDLE ({aws_side or 'unset'}) differ"


def describe_http_error(exc: Exception, url: str, inp: Inputs) -> tuple[str, str, dict[str, Any]]:
    """(summary, hint, details) for a failed GET: timeout, refused, DNS, TLS (with the issuer seen), proxy."""
    import requests

    t = inp.timeouts
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or 443
    via = proxies(inp.environ)
    set_here = [n for n in via if n.lower() != "no_proxy"]
    net_hint = "check the network, VPN and proxy settings" + (
        f" ({', '.join(set_here)} set)" if set_here else ""
    )
    details: dict[str, Any] = {"url": url, "error": str(exc)[:300], "proxy_env": via}
    if isinstance(exc, requests.exceptions.SSLError):
        seen = tlsinfo.describe(tlsinfo.peer_certificate(host, port, t.connect) or b"") if host else None
        details["certificate"] = seen
        details["ca_bundles"] = _bundles(inp.environ)
        issuer = f" (certificate issued by '{seen['issuer']}'; a TLS-inspecting proxy?)" if seen else ""
        return (
            f"TLS to {host}:{port} failed{issuer}{_bundle_note(inp.environ)}",
            "if your network inspects TLS, get its CA certificate and run "
            "`export REQUESTS_CA_BUNDLE=/path/to/ca.pem AWS_CA_BUNDLE=/path/to/ca.pem`",
            details,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return f"the proxy refused or failed the request to {host}", net_hint, details
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no answer from {host}:{port}: connecting timed out after {t.connect:g} s", net_hint, details
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return (
            f"no answer from {host}:{port}: connected, but nothing came back within {t.read:g} s",
            net_hint,
            details,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "refused" in text.lower():
            return f"{host}:{port} refused the connection", net_hint, details
        if "resolve" in text.lower() or "name or service" in text.lower():
            return f"cannot resolve {host} (DNS)", net_hint, details
        return f"cannot connect to {host}:{port}: {text[:160]}", net_hint, details
    if isinstance(exc, OSError):  # e.g. REQUESTS_CA_BUNDLE names a file that does not exist
        bundles = {k: v for k, v in _bundles(inp.environ).items() if v}
        return (
            f"request to {host} failed: {exc}",
            f"check the CA bundle settings ({bundles or 'none set'})",
            details,
        )
    raise exc


def net_okta(inp: Inputs) -> Result:
    """The Okta org answers over HTTPS, and says which pipeline it runs (Classic v1 or Identity Engine)."""
    org = inp.org
    if org is None:
        return skip(
            "organization settings unusable (see config)", "fix the org file, or unset BOOTSTRAP_ORG_FILE"
        )
    url = okta_url(org)
    try:
        answer = okta_probe(inp)
    except Exception as exc:  # noqa: BLE001 - classified, or re-raised for the runner
        summary, hint, why = describe_http_error(exc, url, inp)
        return fail(summary, hint, **why)
    details: dict[str, Any] = {
        "url": url,
        "http_status": answer.status,
        "proxy": answer.proxy or None,
        "proxy_env": proxies(inp.environ),
    }
    check_org = f"check okta.organization in {org.source}"
    if 300 <= answer.status < 400:
        return fail(
            f"{url} redirects to {answer.location or '?'}: a captive portal or a wrong host?",
            check_org,
            **details,
        )
    if answer.status != 200:
        return fail(
            f"{url} answered HTTP {answer.status}: is {org.organization} an Okta org?", check_org, **details
        )
    try:
        data = json.loads(answer.body)
        pipeline = str(data.get("pipeline", ""))
    except (ValueError, AttributeError):
        return fail(
            f"{url} did not answer Okta's JSON: is {org.organization} an Okta org?", check_org, **details
        )
    details["pipeline"] = pipeline
    via = f" via proxy {answer.proxy}" if answer.proxy else ""
    if pipeline == "idx":
        return warn(
            f"{org.organization} is an Identity Engine org (pipeline idx){via}: "
            "aws-okta-processor's MFA flow can fail there ('SAMLResponse tag was not found')",
            "if `okta-login` fails that way (godaddy/aws-okta-processor#73), ask your Okta admins to allow "
            "the classic authentication API for the AWS app",
            **details,
        )
    if pipeline != "v1":
        return warn(
            f"{org.organization} answers, but its pipeline is {pipeline or 'not given'}", check_org, **details
        )
    return ok(f"{org.organization} answers over HTTPS{via}: Classic Engine (pipeline v1)", **details)


def _offset(answer: HttpAnswer) -> float | None:
    """Seconds this clock is ahead (+) or behind (-) the server's Date header."""
    if not answer.date:
        return None
    try:
        server = parsedate_to_datetime(answer.date)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    # Date has whole seconds (truncated): the server's time was half a second later on average.
    return (answer.midpoint - server).total_seconds() - 0.5


def _why(exc: BaseException) -> str:
    """A few words on why a probe got no Date header."""
    name = type(exc).__name__
    if "SSL" in name:
        return "TLS failed"
    if "Timeout" in name:
        return "no answer (timed out)"
    if "Connection" in name:
        return "cannot connect"
    return f"failed ({name})"


def _clock_delta(seconds: float) -> str:
    """Rounded to what a Date header can tell (seconds), and to minutes beyond one."""
    whole = round(abs(seconds))
    if whole < 1:
        return "<1 s"
    if whole < 60:
        return f"{whole} s"
    minutes = round(whole / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def net_clock(inp: Inputs) -> Result:
    """The local clock agrees with Okta's and STS's Date headers (SigV4 and SAML break beyond 5 min)."""
    if inp.org is None:
        return skip(
            "organization settings unusable (see config)", "fix the org file, or unset BOOTSTRAP_ORG_FILE"
        )
    limit = inp.timeouts.connect + inp.timeouts.read + 1
    answers = parallel([lambda: okta_probe(inp), lambda: sts_probe(inp)], limit)
    offsets: dict[str, float] = {}
    missing: dict[str, str] = {}
    for name, answer in zip(("Okta", "STS"), answers, strict=True):
        if isinstance(answer, HttpAnswer):
            offset = _offset(answer)
            if offset is None:
                missing[name] = "no Date header"
            else:
                offsets[name] = offset
        else:
            missing[name] = _why(answer)
    details: dict[str, Any] = {
        "offset_seconds": {k: round(v, 1) for k, v in offsets.items()},
        "unavailable": missing,
        "sts_url": sts_url(inp),
    }
    if not offsets:
        why = ", ".join(f"{k}: {v}" for k, v in missing.items())
        return fail(
            f"cannot compare clocks: no Date from Okta or STS ({why})",
            "see net.okta and aws.identity",
            **details,
        )
    name, worst = max(offsets.items(), key=lambda kv: abs(kv[1]))
    side = "ahead of" if worst > 0 else "behind"
    shown = f"this clock is {_clock_delta(worst)} {side} {name}'s"
    also = f" ({', '.join(f'{k}: {v}' for k, v in missing.items())})" if missing else ""
    if abs(worst) > CLOCK_FAIL:
        return fail(
            f"{shown}: beyond 5 min, AWS signatures and SAML assertions are refused{also}",
            _ntp_hint(),
            **details,
        )
    if abs(worst) > CLOCK_WARN:
        return warn(f"{shown}: over a minute off{also}", _ntp_hint(), **details)
    compared = " and ".join(offsets)
    return ok(f"this clock agrees with {compared} ({_clock_delta(worst)} off){also}", **details)


def aws_identity(inp: Inputs) -> Result:
    """GetCallerIdentity with this shell's credentials, classified exactly like `bootstrap verify`."""
    org = inp.org
    if org is None:
        return skip(
            "organization settings unusable (see config)", "fix the org file, or unset BOOTSTRAP_ORG_FILE"
        )
    role = inp.cfg.role if inp.cfg and inp.cfg.role else None
    t = inp.timeouts
    # One attempt with the doctor's timeouts: a black-holed STS must not hold the run past its bound.
    limits = aws.Limits(connect_timeout=t.connect, read_timeout=t.read, max_attempts=1)
    try:
        report = aws.check(org, role, dict(inp.environ), limits=limits)
    except aws.IdentityError as exc:
        # No credentials yet is the normal state of a fresh shell, not a fault.
        status: Status = "warn" if exc.reason == "no-credentials" else "fail"
        details = {"reason": exc.reason, **{k: v for k, v in exc.details.items() if v is not None}}
        return Result(status, exc.message, exc.hint or "run `okta-login`", details)
    identity = report.identity
    left = report.seconds_left()
    valid = f", valid for {credsmod.human_delta(left)}" if left is not None else ""
    return ok(
        f"{identity.arn} (from {report.source}{valid})",
        reason="ok",
        account=identity.account,
        arn=identity.arn,
        role=identity.role,
        source=report.source,
    )


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Spec:
    id: str
    fn: Callable[[Inputs], Result]
    network: bool = False


CHECKS: tuple[Spec, ...] = (
    Spec("tools.aws", tools_aws),
    Spec("tools.aws-okta-processor", tools_aws_okta_processor),
    Spec("config", config),
    Spec("shell", shell),
    Spec("profile", profile),
    Spec("shell.loads", shell_loads),
    Spec("env", env),
    Spec("cache", cache),
    Spec("net.okta", net_okta, network=True),
    Spec("net.clock", net_clock, network=True),
    Spec("aws.identity", aws_identity, network=True),
)
