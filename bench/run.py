"""Measure bootstrap against its budgets, in one run, and write bench/RESULTS.md.

    python bench/run.py [--quick]        (or: python -m bench [--quick])

Everything it needs is set up here and torn down at the end, even on error: temp HOMEs (one set up with
`bootstrap setup` for bash, zsh and fish, one identical but without it), the test harness's Okta stand-in
(HTTPS, throwaway CA), moto's STS server (child process) and a black hole, all on 127.0.0.1. Nothing
reaches a real Okta or AWS: every command gets an org file pointing at the stand-in, AWS_ENDPOINT_URL_STS,
AWS_EC2_METADATA_DISABLED=true and a fresh environment (not this process's).

Method: every candidate and its baseline are spawned the same way (fork+exec through subprocess, stdin
/dev/null, a new session, output to a file) and timed with perf_counter_ns around spawn + os.wait4, which
also gives the child's max RSS. Each round runs every candidate of a pool once, in a shuffled order; warm-up
runs are discarded. A budget compares medians measured in the same run. Every run's exit status and
output are checked: a benchmark of a failing command means nothing.

This is not a test: nothing here asserts a timing. The guard that keeps the fast paths fast is
tests/test_cli_basics.py::test_fast_paths_import_no_heavy_library (and ruff's TID253).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"  # gitignored: the aws venv (if needed), the Typer 0.28 overlay
RESULTS = BENCH / "RESULTS.md"
# The harness (Okta stand-in, moto STS, black hole) lives with the tests, importable as `harness`.
for _path in (REPO / "tests", REPO):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from harness.aop import aop_env  # noqa: E402
from harness.okta import DEFAULT_PASSWORD, DEFAULT_USER, BlackHole, OktaCA, OktaStandIn, OktaUser  # noqa: E402
from harness.sts import MotoSTS  # noqa: E402
from login_world import write_org_file  # noqa: E402

BIN = Path(sys.executable).parent  # the venv bootstrap is installed in
AWSCLI = "awscli>=1.46,<2"  # as in pyproject's `bench` extra (1.46+ vendors its botocore: no pin clash)
TYPER_OLD = "typer>=0.28,<0.29"  # the last Typer without pydantic, for the version-cost rows
ROLE = "integrates-dev"
ACCOUNT = "205810638802"
SHELLS = ("bash", "zsh", "fish")
MiB = 1024  # ru_maxrss is in KiB on Linux


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- spawning and timing


class Watchdog:
    """Kills the process group of a run that overstays; one thread for the whole benchmark, so that
    arming it costs an attribute write, not a thread start, inside the timed region."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._deadline = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-watchdog", daemon=True)
        self._thread.start()

    def arm(self, pid: int, timeout: float) -> None:
        with self._lock:
            self._pid, self._deadline = pid, time.monotonic() + timeout

    def disarm(self) -> None:
        with self._lock:
            self._pid = 0

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                pid, late = self._pid, self._pid and time.monotonic() > self._deadline
            if late:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@dataclass(frozen=True)
class Run:
    ns: int
    maxrss_kib: int  # wait4: max over the child and the descendants it waited for
    code: int
    out: str
    err: str

    @property
    def ms(self) -> float:
        return self.ns / 1e6


class Spawner:
    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.watchdog = Watchdog()

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], *, timeout: float = 120.0, cwd: Path | None = None
    ) -> Run:
        with (
            tempfile.TemporaryFile(dir=self.scratch) as out,
            tempfile.TemporaryFile(dir=self.scratch) as err,
        ):
            start = time.perf_counter_ns()
            proc = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # no controlling terminal: interactive shells and the tool's prompts
            )
            self.watchdog.arm(proc.pid, timeout)
            _, status, usage = os.wait4(proc.pid, 0)
            end = time.perf_counter_ns()
            self.watchdog.disarm()
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            return Run(
                end - start,
                int(usage.ru_maxrss),
                code,
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"),
            )

    def close(self) -> None:
        self.watchdog.close()


@dataclass
class Candidate:
    label: str
    argv: list[str]
    env: dict[str, str]
    codes: tuple[int, ...] = (0,)
    expect: str = ""  # must appear in stdout
    cwd: Path | None = None
    before: Callable[[], object] | None = None  # before each run, untimed (e.g. empty a cache)
    runs: list[Run] = field(default_factory=list)

    def run(self, spawner: Spawner) -> Run:
        if self.before is not None:
            self.before()
        return self.check(spawner.run(self.argv, self.env, cwd=self.cwd))

    def check(self, run: Run) -> Run:
        if run.code not in self.codes or self.expect not in run.out:
            tail = "\n".join((run.out + run.err).strip().splitlines()[-15:])
            raise RuntimeError(
                f"{self.label}: exit {run.code} (want {self.codes}), expected {self.expect!r} in stdout\n"
                f"$ {shlex.join(self.argv)}\n{tail}"
            )
        return run

    @property
    def times(self) -> list[float]:
        return [r.ms for r in self.runs]

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def maxrss_mib(self) -> float:
        return max(r.maxrss_kib for r in self.runs) / MiB


def interleave(
    spawner: Spawner, pool: Sequence[Candidate], rounds: int, warmup: int, rng: random.Random, name: str
) -> None:
    """Warm up each candidate, then `rounds` rounds, each running every candidate once in a new order."""
    for cand in pool:
        for _ in range(warmup):
            cand.run(spawner)
    began = time.monotonic()
    for index in range(rounds):
        order = list(pool)
        rng.shuffle(order)
        for cand in order:
            cand.runs.append(cand.run(spawner))
        if index == 0 or (index + 1) % max(10, rounds // 5) == 0:
            log(f"{name}: round {index + 1}/{rounds} ({time.monotonic() - began:.0f} s)")


# --------------------------------------------------------------------------- the world


def _env(home: Path, tmpdir: Path, path_dirs: Sequence[Path]) -> dict[str, str]:
    """A fresh environment for `home` (not this process's: no AWS_*, BOOTSTRAP_*, PYTHONPATH, proxies)."""
    path = os.pathsep.join([*dict.fromkeys(str(p) for p in path_dirs), os.environ.get("PATH", os.defpath)])
    return {
        "PATH": path,
        "HOME": str(home),
        "USER": os.environ.get("USER", "bench"),
        "LOGNAME": os.environ.get("LOGNAME", "bench"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "SHELL": shutil.which("bash") or "/bin/bash",
        "TMPDIR": str(tmpdir),
        "NO_COLOR": "1",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "AWS_CONFIG_FILE": str(home / ".aws/config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws/credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


# What a user's rc files hold before bootstrap: the same in both homes of the shell-start comparison.
_RC = {
    ".bashrc": "# a user's ~/.bashrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".zshrc": "# a user's ~/.zshrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".config/fish/config.fish": "# a user's config.fish\nset -gx EDITOR vi\nalias ll 'ls -l'\n",
}


def _user_home(path: Path) -> Path:
    for rel, text in _RC.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    return path


def find_aws() -> tuple[Path, str]:
    """awscli v1: beside this interpreter (the `bench` extra), else in a venv of its own under bench/.work."""
    beside = BIN / "aws"
    if beside.exists():
        return beside, f"awscli from the `bench` extra, beside {sys.executable}"
    venv = WORK / "aws-venv"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        log(f"installing {AWSCLI} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, AWSCLI], check=True)
    return aws, f"awscli in a venv of its own ({aws.relative_to(REPO)})"


def typer_overlay() -> Path | None:
    """Typer 0.28 (no pydantic) in a directory put first on PYTHONPATH; None if it cannot be installed."""
    if _typer_version() < (0, 29):
        return None  # the installed Typer already is one without pydantic
    target = WORK / "typer-0.28"
    if not (target / "typer").is_dir():
        log(f"installing {TYPER_OLD} into {target} (PYTHONPATH overlay)")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + ["--no-deps", "--upgrade", "--target", str(target), TYPER_OLD],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            log(f"cannot install {TYPER_OLD}: {proc.stderr.strip()[-300:]}")
            return None
    return target


def _typer_version() -> tuple[int, ...]:
    parts = importlib.metadata.version("typer").split(".")[:2]
    return tuple(int(p) for p in parts if p.isdigit())


@dataclass
class World:
    tmp: Path
    okta: OktaStandIn
    sts: MotoSTS
    hole: BlackHole
    org_file: Path
    hole_org_file: Path
    home: Path  # set up for bash, zsh and fish
    bare: Path  # the same rc files, never set up
    fresh: Path  # for `setup --dry-run`
    env: dict[str, str]  # for `home`: loopback peers, CA trusted, no password
    bare_env: dict[str, str]
    fresh_env: dict[str, str]
    creds: dict[str, str] = field(default_factory=dict)  # the seven variables okta-login set

    @property
    def dropin(self) -> Path:
        return self.home / ".config/bootstrap/okta-login.bash"

    def aop_flags(self) -> list[str]:
        """The flags okta-login passes (templates/okta-login.bash.j2), for the direct call."""
        return [
            "--user", DEFAULT_USER, "--organization", self.okta.organization,
            "--application", self.okta.application_url,
            "--role", f"arn:aws:iam::{ACCOUNT}:role/{ROLE}", "--key", ROLE, "--duration", "3600",
            "--sign-in-url", f"https://{self.okta.organization}/saml", "--silent", "--environment",
        ]  # fmt: skip


@contextmanager
def world(spawner: Spawner, shells: Sequence[str], path_dirs: Sequence[Path]) -> Iterator[World]:
    """Start the peers, make the homes, set bootstrap up and log in once; stop everything at the end."""
    with ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="bootstrap-bench-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        (tmp / "tmpdir").mkdir()
        ca = OktaCA(tmp / "ca")
        okta = stack.enter_context(OktaStandIn(ca, users=[OktaUser(DEFAULT_USER, DEFAULT_PASSWORD)]))
        log("starting moto's STS server")
        sts = stack.enter_context(MotoSTS())
        hole = stack.enter_context(BlackHole())
        org_file = write_org_file(tmp / "org.toml", okta.organization, [ROLE])
        hole_org_file = write_org_file(tmp / "org-black-hole.toml", hole.organization, [ROLE])

        def env_for(home: Path) -> dict[str, str]:
            base = _env(home, tmp / "tmpdir", path_dirs)
            return aop_env(ca_bundle=ca.bundle_path, sts_url=sts.url, base=base)

        bare = _user_home(tmp / "home-without")
        home = tmp / "home-with"
        shutil.copytree(bare, home)
        fresh = tmp / "home-fresh"
        shutil.copytree(bare, fresh)
        w = World(
            tmp, okta, sts, hole, org_file, hole_org_file, home, bare, fresh,
            env_for(home), env_for(bare), env_for(fresh),
        )  # fmt: skip
        # bash last: config.toml remembers the last shell set up.
        for shell in sorted(shells, key=lambda s: s == "bash"):
            argv = [str(BIN / "bootstrap"), "setup", "--user", DEFAULT_USER, "--org-file", str(org_file)]
            ran = spawner.run([*argv, "--shell", shell, "--no-verify", "--yes"], w.env)
            if ran.code != 0:
                raise RuntimeError(f"bootstrap setup --shell {shell} failed:\n{ran.out}{ran.err}")
        # Log in once with the password: the Okta session (and AWS credentials) are cached from now on.
        script = f". {shlex.quote(str(w.dropin))} && okta-login && env"
        ran = spawner.run(
            ["bash", "--noprofile", "--norc", "-c", script], {**w.env, "AWS_OKTA_PASS": DEFAULT_PASSWORD}
        )
        if ran.code != 0:
            raise RuntimeError(f"the first okta-login failed:\n{ran.out}{ran.err}")
        aws_names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
        names = [*aws_names, "AWS_CREDENTIAL_EXPIRATION", *(f"INTEGRATES_DEV_{n}" for n in aws_names)]
        got = dict(line.split("=", 1) for line in ran.out.splitlines() if "=" in line)
        w.creds = {n: got[n] for n in names}
        log(f"world ready: Okta {okta.organization}, STS {sts.url}, black hole {hole.organization}")
        yield w


# --------------------------------------------------------------------------- measures


@dataclass
class Ratio:
    measure: str
    cand: Candidate
    base: Candidate
    budget: float

    @property
    def ratio(self) -> float:
        return self.cand.median / self.base.median

    @property
    def min_ratio(self) -> float:
        return self.cand.min / self.base.min

    @property
    def passed(self) -> bool:
        return self.ratio <= self.budget


@dataclass
class Added:
    shell: str
    with_: Candidate
    without: Candidate
    budget_ms: float = 0.3

    @property
    def added(self) -> float:
        return self.with_.median - self.without.median

    @property
    def paired(self) -> float:
        """Median of the per-round differences (both ran in the same round)."""
        return statistics.median(a - b for a, b in zip(self.with_.times, self.without.times, strict=True))

    @property
    def passed(self) -> bool:
        return self.added < self.budget_ms


@dataclass
class Bounded:
    measure: str
    runs: list[Run]
    bound_s: float
    where: str

    @property
    def worst_s(self) -> float:
        return max(r.ms for r in self.runs) / 1000

    @property
    def passed(self) -> bool:
        return self.worst_s <= self.bound_s


def doctor_bound() -> tuple[float, str]:
    try:
        from bootstrap.doctor.model import Timeouts
    except ImportError:
        return 10.0, "issue 6 (bootstrap.doctor.model not found)"
    return float(Timeouts().total), "bootstrap/doctor/model.py `Timeouts.total`"


_RSS_WRAPPER = """
import os, resource, sys
sys.argv = ["bootstrap", *sys.argv[1:]]
from bootstrap.__main__ import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
finally:
    with open(os.environ["BENCH_RSS_OUT"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
sys.stdout.flush()
os._exit(code)
"""


@dataclass(frozen=True)
class Memory:
    what: str
    own_mib: float  # the bootstrap process itself (RUSAGE_SELF at exit)
    tree_mib: float  # wait4: the largest of it and the children it waited for


def memory(
    spawner: Spawner, what: str, args: Sequence[str], env: Mapping[str, str], codes: Sequence[int]
) -> Memory:
    out = Path(env["TMPDIR"]) / "rss"
    ran = spawner.run([sys.executable, "-c", _RSS_WRAPPER, *args], {**env, "BENCH_RSS_OUT": str(out)})
    if ran.code not in codes:
        raise RuntimeError(f"{what}: exit {ran.code}\n{ran.out}{ran.err}")
    return Memory(what, int(out.read_text()) / MiB, ran.maxrss_kib / MiB)


def importtime(
    spawner: Spawner, args: Sequence[str], env: Mapping[str, str], shown: str, top: int = 10
) -> str:
    """`python -X importtime -m bootstrap ARGS`: total, and the `top` imports by cumulative time."""
    ran = spawner.run([sys.executable, "-X", "importtime", "-m", "bootstrap", *args], env)
    rows: list[tuple[int, int, str]] = []  # (cumulative µs, self µs, name indented by nesting)
    for line in ran.err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.split(":", 1)[1].split("|", 2)
        rows.append((int(cumulative), int(own), name[1:].rstrip()))
    total = sum(c for c, _, name in rows if not name.startswith(" "))
    watched = {"boto3", "botocore", "requests", "jinja2", "pydantic", "rich", "urllib3"}
    heavy = sorted({n.strip().split(".")[0] for _, _, n in rows} & watched)
    lines = [
        f"`bootstrap {shown}`: {len(rows)} modules, {total / 1000:.1f} ms of imports; "
        f"heavy ones: {', '.join(heavy) or 'none'}",
        "",
        "| cumulative ms | self ms | module |",
        "|---:|---:|---|",
    ]
    for cum_us, own_us, module in sorted(rows, reverse=True)[:top]:
        depth = (len(module) - len(module.lstrip())) // 2
        lines.append(f"| {cum_us / 1000:.1f} | {own_us / 1000:.1f} | {'· ' * depth}`{module.strip()}` |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- report


def _version_of(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _first_line(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return ((proc.stdout or proc.stderr).strip().splitlines() or ["?"])[0]


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _pair(c: Candidate) -> str:
    return f"{_ms(c.min)} / {_ms(c.median)}"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "**MISS**"


@dataclass
class Report:
    args: argparse.Namespace
    started: dt.datetime
    machine: list[str]
    ratios: list[Ratio]
    infos: list[Ratio]
    shells: list[Added]
    bounded: list[Bounded]
    memory: list[Memory]
    where: list[str]
    notes: list[str]

    def table(self) -> str:
        rows = [
            "| measure | candidate min / median (ms) | baseline | baseline min / median (ms) "
            "| ratio: medians (mins) | budget | result |",
            "|---|---:|---|---:|---:|---:|---|",
        ]
        for r in self.ratios:
            rows.append(
                f"| {r.measure} | {_pair(r.cand)} | {r.base.label} | {_pair(r.base)} "
                f"| {r.ratio:.2f}× ({r.min_ratio:.2f}×) "
                f"| ≤ {r.budget:g}× | {_verdict(r.passed)} |"
            )
        for s in self.shells:
            rows.append(
                f"| `{s.shell} -ic exit`, bootstrap installed | {_pair(s.with_)} | same shell without it "
                f"| {_pair(s.without)} | {s.added:+.3f} ms (paired {s.paired:+.3f}) | < {s.budget_ms:g} ms "
                f"| {_verdict(s.passed)} |"
            )
        for b in self.bounded:
            times = ", ".join(f"{r.ms / 1000:.2f}" for r in b.runs)
            rows.append(
                f"| {b.measure} | {times} s ({len(b.runs)} run{'s' if len(b.runs) > 1 else ''}) "
                f"| its documented bound ({b.where}) "
                f"| {b.bound_s:g} s | {b.worst_s / b.bound_s:.2f}× (worst) | ≤ 1× | {_verdict(b.passed)} |"
            )
        return "\n".join(rows)

    def info_table(self) -> str:
        rows = [
            "| measure | candidate min / median (ms) | against | min / median (ms) | ratio (medians) |",
            "|---|---:|---|---:|---:|",
        ]
        for r in self.infos:
            rows.append(
                f"| {r.measure} | {_pair(r.cand)} | {r.base.label} | {_pair(r.base)} | {r.ratio:.2f}× |"
            )
        return "\n".join(rows)

    def markdown(self) -> str:
        missed = [r.measure for r in self.ratios if not r.passed]
        missed += [f"{s.shell} start" for s in self.shells if not s.passed]
        missed += [b.measure for b in self.bounded if not b.passed]
        verdict = "every budget met" if not missed else f"missed: {'; '.join(missed)}"
        parts = [
            "# Benchmark results",
            "",
            f"Generated by `python bench/run.py{' --quick' if self.args.quick else ''}` on "
            f"{self.started:%Y-%m-%d %H:%M} UTC: {verdict}. Regenerate with the same command; see the "
            "README's Benchmark section for what each row means.",
            "",
            "## Machine",
            "",
            *[f"- {line}" for line in self.machine],
            "",
            "## Budgets",
            "",
            f"Rounds: {self.args.rounds} interleaved rounds for commands, {self.args.login_rounds} for "
            f"verify and okta-login, {self.args.shell_rounds} for shell starts (after {self.args.warmup} "
            f"warm-up runs each); {self.args.doctor_runs} black-holed doctor runs. Times are wall-clock, "
            "spawn to exit; a verdict compares medians.",
            "",
            self.table(),
            "",
            *[f"- {note}" for note in self.notes],
            "",
        ]
        if self.infos:
            parts += [
                "## Not budgeted (same run)",
                "",
                "`doctor --offline`, first run: the doctor runs `aws --version` and `aws-okta-processor "
                "--version` (each a full start of the tool, ~0.3 s) and remembers a successful answer while "
                "the tool's script, its Python and that Python's site-packages are unchanged, for at most an "
                "hour (bootstrap/doctor/checks.py `probe_version`). This row empties that cache before each "
                "run; the budgeted row above is every later run.",
                "",
                "Typer: 0.29 converts every parameter of a command through pydantic (`typer._adapters`), so "
                "any command body imports pydantic; top-level `--help`/`--version` do not. The `on Typer` "
                "rows run the same commands with Typer 0.28 first on PYTHONPATH (bench/.work/typer-0.28). "
                "Decision: pyproject keeps `typer>=0.12` with no upper bound. Every budget is met on 0.29; "
                "a cap would hold pip installs on a Typer line that gets no more fixes and clash with other "
                "tools in the same environment; the Nix build uses nixpkgs' Typer whatever pyproject says.",
                "",
                self.info_table(),
                "",
            ]
        parts += [
            "## Peak memory (max RSS)",
            "",
            "Own: the bootstrap process itself (getrusage RUSAGE_SELF at exit). Tree: os.wait4's ru_maxrss, "
            "the largest of the process and the children it waited for (`aws --version`, "
            "`aws-okta-processor`, shells).",
            "",
            *[f"- `{m.what}`: own {m.own_mib:.1f} MiB; tree {m.tree_mib:.1f} MiB" for m in self.memory],
            "",
            "## Where the time goes (`python -X importtime`)",
            "",
        ]
        for block in self.where:
            parts += [block, ""]
        return "\n".join(parts)


# --------------------------------------------------------------------------- main


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__.split("\n\n")[0] if __doc__ else ""
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a minute or so); same checks")
    parser.add_argument("--rounds", type=int, help="interleaved rounds for commands (default 20, quick 5)")
    parser.add_argument(
        "--login-rounds", type=int, help="rounds for verify and okta-login (default 40, quick 10)"
    )
    parser.add_argument("--shell-rounds", type=int, help="rounds for shell starts (default 500, quick 100)")
    parser.add_argument("--doctor-runs", type=int, help="black-holed doctor runs (default 3, quick 1)")
    parser.add_argument("--warmup", type=int, default=2, help="discarded runs per candidate (default 2)")
    parser.add_argument("--seed", type=int, default=6, help="shuffle seed")
    parser.add_argument("--no-typer-compare", action="store_true", help="skip the Typer 0.28 rows")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"default {RESULTS.relative_to(REPO)}")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 20)
    args.login_rounds = args.login_rounds or (10 if args.quick else 40)
    # A start takes 2-5 ms and the budget is 0.3 ms: many cheap rounds keep the medians' noise well below it.
    args.shell_rounds = max(40, args.shell_rounds or (100 if args.quick else 500))
    args.doctor_runs = args.doctor_runs or (1 if args.quick else 3)
    return args


def _machine(aws: Path, aws_how: str) -> list[str]:
    load = os.getloadavg()
    return [
        f"{platform.platform()}; nproc {len(os.sched_getaffinity(0))}; load average {load[0]:.2f} at start",
        f"Python {platform.python_version()} ({sys.executable})",
        "typer {}, click {}, pydantic {}, boto3 {}, botocore {}, requests {}, jinja2 {}".format(
            *map(_version_of, ("typer", "click", "pydantic", "boto3", "botocore", "requests", "jinja2"))
        ),
        f"aws: `{_first_line([str(aws), '--version'])}`: {aws_how}",
        f"aws-okta-processor {_version_of('aws-okta-processor')}; moto {_version_of('moto')}",
        "shells: " + "; ".join(_first_line([s, "--version"]) for s in SHELLS if shutil.which(s)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    started = dt.datetime.now(dt.UTC)
    rng = random.Random(args.seed)
    bootstrap = BIN / "bootstrap"
    if not bootstrap.exists():
        print(f"bench: {bootstrap} not found: pip install -e '.[bench]' into this venv", file=sys.stderr)
        return 2
    aws, aws_how = find_aws()
    shells = [s for s in SHELLS if shutil.which(s)]
    WORK.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bootstrap-bench-out-"))
    spawner = Spawner(scratch)
    notes: list[str] = []
    try:
        with world(spawner, shells, [BIN, aws.parent]) as w:
            report = measure(args, rng, spawner, w, str(bootstrap), aws, notes)
    finally:
        spawner.close()
        shutil.rmtree(scratch, ignore_errors=True)
    report.machine = _machine(aws, aws_how)
    report.started = started
    report.machine.append(
        f"load average {os.getloadavg()[0]:.2f} at the end; started {started:%Y-%m-%d %H:%M} UTC"
    )
    print(report.table())
    if report.infos:
        print("\n" + report.info_table())
    for m in report.memory:
        print(f"max RSS {m.what}: own {m.own_mib:.1f} MiB, tree {m.tree_mib:.1f} MiB")
    args.output.write_text(report.markdown())
    log(f"wrote {args.output}")
    return 0


def measure(
    args: argparse.Namespace,
    rng: random.Random,
    spawner: Spawner,
    w: World,
    bootstrap: str,
    aws: Path,
    notes: list[str],
) -> Report:
    creds = {**w.env, **w.creds}
    okta_login = ["bash", "--noprofile", "--norc", "-c"]
    dropin = shlex.quote(str(w.dropin))
    direct = shlex.join(["aws-okta-processor", "authenticate", *w.aop_flags()])
    dry_run = ["setup", "--dry-run", "--user", DEFAULT_USER, "--org-file", str(w.org_file)]

    c_pass = Candidate("`python -c pass`", [sys.executable, "-c", "pass"], w.env)
    c_version = Candidate("`bootstrap --version`", [bootstrap, "--version"], w.env, expect="bootstrap ")
    c_help = Candidate("`bootstrap --help`", [bootstrap, "--help"], w.env, expect="Usage: bootstrap")
    c_aws = Candidate("`aws --version`", [str(aws), "--version"], w.env)
    c_dry = Candidate("`bootstrap setup --dry-run`", [bootstrap, *dry_run], w.fresh_env, expect="+++")
    c_doc = Candidate("`bootstrap doctor --offline`", [bootstrap, "doctor", "--offline"], creds, codes=(0, 1))
    c_verify = Candidate("`bootstrap verify`", [bootstrap, "verify"], creds, expect="OK: this shell")
    c_sts = Candidate(
        "`aws sts get-caller-identity`",
        [str(aws), "sts", "get-caller-identity", "--endpoint-url", w.sts.url],
        creds,
        expect=f"assumed-role/{ROLE}",
    )
    c_login = Candidate(
        "`okta-login --no-aws-cache`", [*okta_login, f". {dropin}; okta-login --no-aws-cache"], w.env
    )
    c_direct = Candidate(
        "`aws-okta-processor authenticate … --no-aws-cache`",
        [*okta_login, f"{direct} --no-aws-cache >/dev/null"],
        w.env,
    )
    c_login_hit = Candidate("`okta-login` (AWS cache hit)", [*okta_login, f". {dropin}; okta-login"], w.env)
    c_direct_hit = Candidate(
        "`aws-okta-processor authenticate …` (AWS cache hit)", [*okta_login, f"{direct} >/dev/null"], w.env
    )
    pool = [c_pass, c_version, c_help, c_aws, c_dry, c_doc]
    # The network rows differ by a few ms out of hundreds: a pool of their own, with more rounds.
    login_pool = [c_verify, c_sts, c_login, c_direct, c_login_hit, c_direct_hit]
    ratios = [
        Ratio("`bootstrap --version`", c_version, c_pass, 2),
        Ratio("`bootstrap --help`", c_help, c_aws, 0.5),
        Ratio("`bootstrap setup --dry-run` (no network)", c_dry, c_aws, 1),
        Ratio("`bootstrap doctor --offline`", c_doc, c_aws, 1.5),
        Ratio("`bootstrap verify` against local STS", c_verify, c_sts, 1),
        Ratio("`okta-login` (bash, warm Okta session, `--no-aws-cache`)", c_login, c_direct, 1.05),
        Ratio("`okta-login` (bash, warm Okta session, AWS cache hit)", c_login_hit, c_direct_hit, 1.05),
    ]

    cold_cache = w.tmp / "cold-cache"
    c_doc_cold = Candidate(
        "`bootstrap doctor --offline`, first run",
        c_doc.argv,
        {**creds, "XDG_CACHE_HOME": str(cold_cache)},
        codes=c_doc.codes,
        before=lambda: shutil.rmtree(cold_cache, ignore_errors=True),
    )
    pool.append(c_doc_cold)
    infos: list[Ratio] = [
        Ratio("`bootstrap doctor --offline`, first run (no remembered tool versions)", c_doc_cold, c_aws, 1.5)
    ]
    overlay = None if args.no_typer_compare else typer_overlay()
    if overlay is not None:
        old = {"PYTHONPATH": str(overlay)}
        old_version = (
            next(overlay.glob("typer-*.dist-info")).name.removeprefix("typer-").removesuffix(".dist-info")
        )
        for c in (c_help, c_dry, c_doc, c_verify):
            twin = Candidate(
                f"{c.label} on Typer {old_version}", c.argv, {**c.env, **old}, codes=c.codes, expect=c.expect
            )
            pool.append(twin)
            infos.append(Ratio(f"{c.label} on Typer {_version_of('typer')}", c, twin, 0))

    log(f"commands: {len(pool)} candidates × {args.rounds} rounds")
    interleave(spawner, pool, args.rounds, args.warmup, rng, "commands")
    log(f"login and STS: {len(login_pool)} candidates × {args.login_rounds} rounds")
    interleave(spawner, login_pool, args.login_rounds, args.warmup, rng, "login and STS")

    added: list[Added] = []
    shell_pool: list[Candidate] = []
    for shell in [s for s in SHELLS if shutil.which(s)]:
        with_ = Candidate(f"`{shell} -ic exit`", [shell, "-ic", "exit"], w.env)
        without = Candidate(f"`{shell} -ic exit` (without)", [shell, "-ic", "exit"], w.bare_env)
        shell_pool += [with_, without]
        added.append(Added(shell, with_, without))
    log(f"shell starts: {len(shell_pool)} candidates × {args.shell_rounds} rounds")
    interleave(spawner, shell_pool, args.shell_rounds, args.warmup, rng, "shell starts")
    for a in added:
        probe = {"bash": "type okta-login", "zsh": "whence -w okta-login", "fish": "functions -q okta-login"}
        for env, want in ((w.env, 0), (w.bare_env, 1)):
            code = spawner.run([a.shell, "-ic", probe[a.shell] + " >/dev/null 2>&1"], env).code
            if (code == 0) != (want == 0):
                raise RuntimeError(
                    f"{a.shell}: okta-login {'missing' if want == 0 else 'present'} in a new shell"
                )

    bound, where = doctor_bound()
    black = {
        **creds,
        "AWS_ENDPOINT_URL_STS": f"http://{w.hole.organization}",
        "BOOTSTRAP_ORG_FILE": str(w.hole_org_file),
    }
    log(f"doctor with every endpoint black-holed: {args.doctor_runs} run(s), bound {bound:g} s")
    runs = [spawner.run([bootstrap, "doctor"], black, timeout=bound * 6) for _ in range(args.doctor_runs)]
    for ran in runs:
        if ran.code not in (0, 1):
            raise RuntimeError(f"black-holed doctor: exit {ran.code}\n{ran.out}{ran.err}")
    bounded = [Bounded("full `bootstrap doctor`, every endpoint black-holed", runs, bound, where)]
    summary = (runs[-1].out.strip().splitlines() or ["?"])[-1]
    notes.append(
        f"Black-holed doctor (Okta and STS on a port that accepts and never answers) said: `{summary}`"
    )
    online = spawner.run([bootstrap, "doctor"], creds)
    notes.append(
        f"`bootstrap doctor --offline` said: `{(c_doc.runs[-1].out.strip().splitlines() or ['?'])[-1]}`"
    )
    notes.append(
        f"`bootstrap doctor` against the local peers (not budgeted): {online.ms:.0f} ms, exit {online.code}: "
        f"`{(online.out.strip().splitlines() or ['?'])[-1]}`"
    )

    log("peak memory")
    setup_full = ["setup", "--user", DEFAULT_USER, "--org-file", str(w.org_file), "--shell", "bash", "--yes"]
    mem = [
        memory(spawner, "bootstrap setup --dry-run", dry_run, w.fresh_env, (0,)),
        memory(spawner, "bootstrap setup --yes (logs in, confirms with STS)", setup_full, w.env, (0,)),
        memory(spawner, "bootstrap doctor --offline", ["doctor", "--offline"], creds, (0, 1)),
        memory(spawner, "bootstrap doctor (local peers)", ["doctor"], creds, (0, 1)),
        memory(spawner, "bootstrap doctor (black-holed)", ["doctor"], black, (0, 1)),
    ]

    log("import times")
    where_blocks = [
        importtime(spawner, ["--version"], w.env, "--version"),
        importtime(spawner, ["--help"], w.env, "--help"),
        importtime(spawner, dry_run, w.fresh_env, "setup --dry-run --user U --org-file ORG"),
    ]
    notes += [
        "okta-login rows: both sides pay a `bash --noprofile --norc -c` start; the candidate sources the "
        "drop-in and runs okta-login (which checks the output and exports seven variables), the baseline "
        "runs the same `aws-okta-processor authenticate` flags with `>/dev/null`. `--no-aws-cache`: every "
        "run reuses the Okta session (no password) but gets new STS credentials; cache hit: no STS call.",
        "verify row: both use the credentials of a real okta-login (moto's STS), region us-east-1, the same "
        "endpoint (AWS_ENDPOINT_URL_STS for bootstrap, `--endpoint-url` for aws).",
        "Shell rows: HOME with bootstrap set up vs an identical HOME without (same rc lines otherwise); "
        "`+x ms` is median(with) − median(without); paired is the median of per-round differences. For "
        "scale: zoxide's `eval \"$(zoxide init bash)\"` adds 1.2 ms, direnv's hook 2.5 ms.",
        "`setup --dry-run` runs in a HOME never set up (it prints the full diff), shell detected as a user's "
        "would be (shellingham, else $SHELL=bash).",
    ]
    report = Report(
        args, dt.datetime.now(dt.UTC), [], ratios, infos, added, bounded, mem, where_blocks, notes
    )
    return report


if __name__ == "__main__":
    raise SystemExit(main())
