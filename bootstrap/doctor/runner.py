"""Gather the inputs, run every check concurrently within a time bound, and scrub secrets from the results.

Each check runs in its own daemon thread. Why not a ThreadPoolExecutor: its workers are joined when the
interpreter exits (concurrent.futures.thread registers an exit hook), so a check stuck in a DNS lookup
would hold `bootstrap doctor` open past its bound even after `shutdown(wait=False)`. A daemon thread is
abandoned for real: the check is reported as timed out and the process exits on time.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from bootstrap import org as orgmod
from bootstrap import paths, session, shells, userconfig
from bootstrap.creds import mask
from bootstrap.doctor import checks
from bootstrap.doctor.model import Check, Inputs, Result, Status, Timeouts, skip
from bootstrap.errors import BootstrapError

OFFLINE_HINT = "run `bootstrap doctor` without --offline"


@dataclass(frozen=True)
class Diagnosis:
    """The checks in their stable order, and how long the whole run took."""

    checks: tuple[Check, ...]
    duration_ms: int
    offline: bool = False

    def count(self, status: Status) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.count("fail") else 0


def gather(
    *, offline: bool = False, environ: Mapping[str, str] | None = None, timeouts: Timeouts | None = None
) -> Inputs:
    """Read the config, the org settings and the shell once; a broken one is recorded, never raised."""
    env = dict(os.environ if environ is None else environ)
    cfg = None
    cfg_error = cfg_hint = ""
    try:
        cfg = userconfig.load()
    except BootstrapError as exc:
        cfg_error, cfg_hint = exc.message, exc.hint or ""
    except Exception as exc:  # noqa: BLE001 - the config check reports it; the others still run
        cfg_error = f"{paths.config_file()}: {type(exc).__name__}: {exc}"
    org = None
    org_error = ""
    try:
        org = orgmod.load(session.org_path(None, cfg))
    except BootstrapError as exc:
        org_error = str(exc)
    except Exception as exc:  # noqa: BLE001 - as above
        org_error = f"{type(exc).__name__}: {exc}"
    detected = shell_error = ""
    try:
        detected = shells.detect()
    except BootstrapError as exc:
        shell_error = exc.message
    return Inputs(
        environ=env,
        home=paths.home(),
        offline=offline,
        cfg=cfg,
        cfg_error=cfg_error,
        cfg_hint=cfg_hint,
        org=org,
        org_error=org_error,
        detected_shell=detected,
        shell_error=shell_error,
        timeouts=timeouts or Timeouts(),
    )


def _call(spec: checks.Spec, inputs: Inputs, verbose: bool) -> Result:
    """The check's result; any exception becomes a fail carrying its message."""
    if spec.network and inputs.offline:
        return skip("skipped: --offline", OFFLINE_HINT)
    try:
        return spec.fn(inputs)
    except BootstrapError as exc:
        details: dict[str, Any] = {"error": type(exc).__name__}
        if verbose:
            details["traceback"] = traceback.format_exc()
        return Result("fail", exc.message, exc.hint or "run `bootstrap doctor --verbose`", details)
    except Exception as exc:  # noqa: BLE001 - one broken check never breaks the others
        details = {"error": type(exc).__name__}
        if verbose:
            details["traceback"] = traceback.format_exc()
        message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return Result(
            "fail",
            f"the check itself failed: {type(exc).__name__}: {message}",
            "run `bootstrap doctor --verbose` for the traceback, and report it",
            details,
        )


def _start(spec: checks.Spec, inputs: Inputs, verbose: bool) -> Future[tuple[Result, float]]:
    future: Future[tuple[Result, float]] = Future()
    future.set_running_or_notify_cancel()

    def target() -> None:
        began = time.monotonic()
        result = _call(spec, inputs, verbose)
        future.set_result((result, time.monotonic() - began))

    threading.Thread(target=target, name=f"doctor:{spec.id}", daemon=True).start()
    return future


def run(
    inputs: Inputs,
    specs: Iterable[checks.Spec] | None = None,
    *,
    verbose: bool = False,
    started: float | None = None,
) -> Diagnosis:
    """Run `specs` (default: every check) concurrently; a check still running at its own timeout or at the
    global deadline is reported as failed and abandoned. `started`: monotonic time the doctor began."""
    specs = list(checks.CHECKS if specs is None else specs)
    t = inputs.timeouts
    began = time.monotonic() if started is None else started
    launched = time.monotonic()
    deadline = {s.id: min(launched + t.check, began + t.total) for s in specs}
    futures = {s.id: _start(s, inputs, verbose) for s in specs}
    pending = set(futures)
    timed_out: set[str] = set()
    while pending:
        now = time.monotonic()
        for check_id in [c for c in pending if futures[c].done() or deadline[c] <= now]:
            pending.discard(check_id)
            if not futures[check_id].done():
                timed_out.add(check_id)
        if not pending:
            break
        nearest = min(deadline[c] for c in pending)
        wait([futures[c] for c in pending], timeout=max(0.0, nearest - now), return_when=FIRST_COMPLETED)

    out: list[Check] = []
    for spec in specs:
        if spec.id in timed_out:
            limit = deadline[spec.id] - launched
            result = Result(
                "fail",
                f"timed out after {limit:.0f} s (abandoned)",
                "something hung: for a network check, check DNS, VPN and proxy settings; "
                "run `bootstrap doctor --verbose` for details",
            )
            elapsed = limit
        else:
            result, elapsed = futures[spec.id].result()
        out.append(Check(spec.id, result.status, result.summary, result.hint, dict(result.details),
                         int(elapsed * 1000)))  # fmt: skip
    secrets = _secrets(inputs.environ)
    scrubbed = tuple(scrub(c, secrets) for c in out)
    return Diagnosis(scrubbed, int((time.monotonic() - began) * 1000), inputs.offline)


# --------------------------------------------------------------------------- secrets

_SECRET_SUFFIXES = ("SECRET_ACCESS_KEY", "SESSION_TOKEN", "SECURITY_TOKEN", "AWS_OKTA_PASS")


def _secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """Values that must never appear in output → what to show instead. Belt and braces: checks already
    mask key ids, but an exception message from a library could still carry one."""
    out: dict[str, str] = {}
    for name, value in environ.items():
        if name.lower().endswith("_proxy"):
            try:  # a proxy password could come back inside a library's error message
                password = urlsplit(value).password
            except ValueError:
                password = None
            if password:
                out[password] = "***"
        if len(value) < 8:
            continue
        if name.endswith(_SECRET_SUFFIXES):
            out[value] = "[redacted]"
        elif name.endswith("ACCESS_KEY_ID"):
            out[value] = mask(value)
    return out


def _scrub_value(value: Any, secrets: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for secret, shown in secrets.items():
            if secret in value:
                value = value.replace(secret, shown)
        return value
    if isinstance(value, Mapping):
        return {str(k): _scrub_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_value(v, secrets) for v in value]
    return value


def scrub(check: Check, secrets: Mapping[str, str]) -> Check:
    if not secrets:
        return check
    return replace(
        check,
        summary=_scrub_value(check.summary, secrets),
        hint=_scrub_value(check.hint, secrets),
        details=_scrub_value(check.details, secrets),
    )
