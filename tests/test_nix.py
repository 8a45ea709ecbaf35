"""Offline checks of the flake (flake.nix, nix/) with Nix 2.8 and a stand-in nixpkgs.

nixpkgs itself cannot be fetched here, so the flake is evaluated with
`--override-input nixpkgs path:tests/nixpkgs-standin`: a small flake that knows only attribute names
that exist in nixpkgs 25.11 and checks function arguments the way nixpkgs does (see its flake.nix).
Nothing is built. Every check of the stand-in is shown to bite by the `test_standin_catches*` tests,
which evaluate deliberately broken copies of this repository's own flake and expect the failure.

What this cannot prove (a real nixpkgs is needed): that the packages build, that the test suite
passes inside the Nix sandbox, that the dev shell starts, and that the home-manager module works in
real home-manager. README.md (section Nix) says the same for users.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.nix,
    pytest.mark.skipif(
        shutil.which("nix") is None or shutil.which("nix-instantiate") is None,
        reason="needs Nix (Debian: apt-get install nix-bin); CI installs it",
    ),
]

REPO = Path(__file__).resolve().parent.parent
STANDIN = REPO / "tests" / "nixpkgs-standin"
SYSTEMS = ("x86_64-linux", "aarch64-darwin")
ALL_SYSTEMS = ("x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin")
FEATURES = ["--extra-experimental-features", "nix-command flakes"]
OVERRIDE = ["--override-input", "nixpkgs", f"path:{STANDIN}", "--no-write-lock-file"]

# The pin (nixos-25.11), as given in shared/reference/nix.md.
NIXPKGS_REV = "8fd9daa3db09ced9700431c5b7ad0e8ba199b575"
NIXPKGS_NAR_HASH = "sha256-Ti+ZBvW6yrWWAg2szExVTwCd4qOJ3KlVr1tFHfyfi8Q="
NIXPKGS_LAST_MODIFIED = 1778430510

# What the flake reads from the repository; a flake from git sees only tracked files.
FLAKE_FILES = (
    "flake.nix",
    "flake.lock",
    "nix/package.nix",
    "nix/aws-okta-processor.nix",
    "nix/home-manager.nix",
    "pyproject.toml",
    "README.md",
)
SOURCE_DIRS = ("bootstrap", "templates", "tests")


def run(cmd: Sequence[str], *, cwd: Path = REPO, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, record how long it took, and fail with its output if `check` and it fails."""
    start = time.monotonic()
    proc = subprocess.run(
        list(cmd), cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )
    print(f"[{time.monotonic() - start:6.3f}s] {' '.join(cmd)}")
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}\n{proc.stdout}")
    return proc


def nix(*args: str, check: bool = True, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run(["nix", *FEATURES, *args], check=check, cwd=cwd)


def nix_eval(flake: str, attr: str, *extra: str) -> Any:
    """`nix eval --json FLAKE#ATTR` against the stand-in nixpkgs."""
    proc = nix("eval", "--json", *OVERRIDE, *extra, f"{flake}#{attr}")
    return json.loads(proc.stdout)


def tracked_files(repo: Path = REPO) -> list[str]:
    proc = run(["git", "ls-files", "-z"], cwd=repo)
    return [f for f in proc.stdout.split("\0") if f]


@pytest.fixture
def flake() -> str:
    """This repository as Nix sees it (tracked files only), once its flake inputs are all tracked."""
    tracked = set(tracked_files())
    missing = [f for f in FLAKE_FILES if f not in tracked]
    missing += [d + "/" for d in SOURCE_DIRS if not any(t.startswith(d + "/") for t in tracked)]
    if missing:
        pytest.fail(
            "the flake reads files that git does not track (Nix cannot see them): "
            + ", ".join(missing)
            + ": commit them"
        )
    return str(REPO)


def norm(name: str) -> str:
    """PEP 503 name normalisation: `tomli_w`, `Tomli-W` and `tomli-w` are one name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return norm(match.group(1))


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def dependency_mismatch(requirements: Iterable[str], nix_names: Iterable[str]) -> tuple[set[str], set[str]]:
    """(in pyproject.toml but not in Nix, in Nix but not in pyproject.toml)."""
    want = {requirement_name(r) for r in requirements}
    have = {norm(n) for n in nix_names}
    return want - have, have - want


def sri(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---------------------------------------------------------------------------- syntax and pin


def test_every_tracked_nix_file_parses() -> None:
    files = [f for f in tracked_files() if f.endswith(".nix")]
    for expected in ("flake.nix", "nix/package.nix", "tests/nixpkgs-standin/flake.nix"):
        assert expected in files, f"{expected} is not tracked by git"
    for f in files:
        run(["nix-instantiate", "--parse", str(REPO / f)])


def test_flake_has_only_nixpkgs_input_and_lock_pins_it() -> None:
    inputs = json.loads(
        run(["nix-instantiate", "--eval", "--json", "--strict", "-E", "(import ./flake.nix).inputs"]).stdout
    )
    assert inputs == {"nixpkgs": {"url": "github:NixOS/nixpkgs/nixos-25.11"}}
    lock = json.loads((REPO / "flake.lock").read_text())
    assert lock["version"] == 7
    assert lock["root"] == "root"
    assert lock["nodes"]["root"] == {"inputs": {"nixpkgs": "nixpkgs"}}
    node = lock["nodes"]["nixpkgs"]
    assert node["original"] == {
        "owner": "NixOS",
        "ref": "nixos-25.11",
        "repo": "nixpkgs",
        "type": "github",
    }
    assert node["locked"] == {
        "lastModified": NIXPKGS_LAST_MODIFIED,
        "narHash": NIXPKGS_NAR_HASH,
        "owner": "NixOS",
        "repo": "nixpkgs",
        "rev": NIXPKGS_REV,
        "type": "github",
    }
    assert "flake-utils" not in (REPO / "flake.nix").read_text()


def test_nix_accepts_the_lock_file_without_updating_it(flake: str) -> None:
    """Nix reads flake.lock as up to date for flake.nix's inputs (no fetch, no rewrite)."""
    meta = json.loads(nix("flake", "metadata", "--json", "--no-update-lock-file", flake).stdout)
    assert meta["locks"]["nodes"]["nixpkgs"]["locked"]["rev"] == NIXPKGS_REV


# ---------------------------------------------------------------------------- the flake's outputs


def test_flake_show_lists_every_output(flake: str) -> None:
    shown = json.loads(nix("flake", "show", "--json", *OVERRIDE, flake).stdout)
    for system in ALL_SYSTEMS:
        assert set(shown["packages"][system]) == {"bootstrap", "default", "aws-okta-processor"}
        assert set(shown["apps"][system]) == {"default"}
        assert set(shown["devShells"][system]) == {"default"}
        assert set(shown["checks"][system]) == {"bootstrap", "devShell", "lint"}
        assert system in shown["formatter"]
    assert "homeManagerModules" in shown


def test_flake_check_no_build(flake: str) -> None:
    proc = nix("flake", "check", "--no-build", *OVERRIDE, flake)
    noise = ("not writing modified lock file", "is dirty")
    warnings = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("warning:") and not any(n in line for n in noise)
    ]
    assert warnings == ["warning: unknown flake output 'homeManagerModules'"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_derivations_evaluate(flake: str, system: str) -> None:
    for attr in (
        f"packages.{system}.default",
        f"packages.{system}.aws-okta-processor",
        f"devShells.{system}.default",
        f"checks.{system}.lint",
        f"formatter.{system}",
    ):
        drv = nix_eval(flake, f"{attr}.drvPath")
        assert re.fullmatch(r"/nix/store/[0-9a-z]{32}-[^/]+\.drv", drv), (attr, drv)
    assert nix_eval(flake, f"packages.{system}.default.name") == (
        f"bootstrap-{pyproject()['project']['version']}"
    )


@pytest.mark.parametrize("system", SYSTEMS)
def test_app_runs_the_bootstrap_executable(flake: str, system: str) -> None:
    app = nix_eval(flake, f"apps.{system}.default")
    out = nix_eval(flake, f"packages.{system}.bootstrap.outPath")
    assert app["type"] == "app"
    assert app["program"] == f"{out}/bin/bootstrap"


def test_package_dependencies_match_pyproject(flake: str) -> None:
    pkg = nix_eval(
        flake,
        "packages.x86_64-linux.bootstrap",
        "--apply",
        "p: { inherit (p) dependencyNames buildSystemNames nativeCheckInputNames disabledTestMarks;"
        " inherit (p.meta) mainProgram; }",
    )
    project = pyproject()
    missing, extra = dependency_mismatch(project["project"]["dependencies"], pkg["dependencyNames"])
    assert (missing, extra) == (set(), set()), "nix/package.nix dependencies != [project].dependencies"
    assert pkg["buildSystemNames"] == ["hatchling"]
    assert project["build-system"]["build-backend"] == "hatchling.build"
    # Every test dependency is there (pytest itself comes with pytestCheckHook).
    tests_need = {requirement_name(r) for r in project["project"]["optional-dependencies"]["test"]}
    have = {norm(n) for n in pkg["nativeCheckInputNames"]}
    assert "pytest-check-hook" in have
    assert tests_need - {"pytest"} <= have
    # The sandbox deselects exactly the markers that pyproject.toml declares for that.
    declared = {m.split(":")[0] for m in project["tool"]["pytest"]["ini_options"]["markers"]}
    assert set(pkg["disabledTestMarks"]) == {"shells", "network", "nix"} <= declared
    assert pkg["mainProgram"] == next(iter(project["project"]["scripts"]))


def test_package_source_holds_only_what_the_build_needs(flake: str) -> None:
    src = Path(nix_eval(flake, "packages.x86_64-linux.bootstrap.src"))
    assert sorted(p.name for p in src.iterdir()) == sorted(["README.md", "pyproject.toml", *SOURCE_DIRS])
    assert (src / "templates").is_dir() and any((src / "templates").iterdir())


def test_package_wraps_aws_okta_processor_onto_path(flake: str) -> None:
    attrs = nix_eval(flake, "packages.x86_64-linux.bootstrap.drvAttrs")
    aop = nix_eval(flake, "packages.x86_64-linux.aws-okta-processor.outPath")
    assert attrs["makeWrapperArgs"] == ["--prefix", "PATH", ":", f"{aop}/bin"]
    assert f"{aop}/bin/aws-okta-processor" in attrs["postInstall"]
    assert "PYTHONSAFEPATH=1" in attrs["preCheck"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_dev_shell_has_the_tools(flake: str, system: str) -> None:
    shell = nix_eval(
        flake,
        f"devShells.{system}.default",
        "--apply",
        "s: { inherit (s) shellHook packageNames;"
        " python = builtins.concatMap (p: p.packageNames or [ ]) s.packages; }",
    )
    for tool in (
        "bootstrap",
        "aws-okta-processor",
        "awscli2",
        "ruff",
        "bash",
        "zsh",
        "fish",
        "shellcheck",
        "shfmt",
        "nixfmt",
    ):
        assert tool in shell["packageNames"], tool
    for module in ("pytest", "hypothesis", "moto", "trustme", "pexpect", "mypy", "typer"):
        assert module in shell["python"], module
    assert "bootstrap status --short" in shell["shellHook"]


def _write_exe(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_dev_shell_hook_never_fails_nor_blocks(flake: str, tmp_path: Path) -> None:
    hook = nix_eval(flake, "devShells.x86_64-linux.default.shellHook")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    system_path = "/usr/bin:/bin"

    def source_hook(path: str) -> tuple[subprocess.CompletedProcess[str], float]:
        start = time.monotonic()
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", hook],
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return proc, time.monotonic() - start

    # bootstrap not on PATH at all
    proc, _ = source_hook(system_path)
    assert (proc.returncode, proc.stdout) == (0, "")
    # bootstrap prints its line: exactly that line reaches the terminal
    line = "bootstrap: not set up yet: run `bootstrap setup`"
    _write_exe(bindir / "bootstrap", f"echo '{line}'\n")
    proc, _ = source_hook(f"{bindir}:{system_path}")
    assert (proc.returncode, proc.stdout) == (0, line + "\n")
    # bootstrap fails loudly: the shell still starts, and quietly
    _write_exe(bindir / "bootstrap", "echo Traceback >&2; exit 3\n")
    proc, _ = source_hook(f"{bindir}:{system_path}")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    # bootstrap waits for input, then for ever: stdin is /dev/null and a timeout ends it
    _write_exe(bindir / "bootstrap", "read -r line; sleep 60\n")
    proc, elapsed = source_hook(f"{bindir}:{system_path}")
    assert proc.returncode == 0
    assert elapsed < 20


# ---------------------------------------------------------------------------- home-manager module

HM_USER = "alice@example.com"
HM_ROLE = "dev"


def hm_eval(flake: str, settings: str, system: str = "x86_64-linux") -> dict[str, Any]:
    """Evaluate homeManagerModules.default with the stand-in's small module system.

    This is a real evaluation, not a parse: the module function is called with config, lib and pkgs,
    its options are merged with the home-manager options it sets (declared in the stand-in with
    their home-manager 25.11 names and types), mkIf and defaults are applied, and a definition of
    an option nobody declared fails. What it is not: home-manager itself.
    """
    expr = f"""
      module:
      let
        standin = builtins.getFlake "path:{STANDIN}";
        result = standin.lib.evalModules {{
          modules = [
            module
            standin.homeManagerStub
            {{ config.programs.bootstrap = {settings}; }}
          ];
          specialArgs.pkgs = standin.legacyPackages.{system};
        }};
        context = s: builtins.attrNames (builtins.getContext s);
        cfg = result.config;
      in
      {{
        inherit (cfg) home;
        programs = {{ inherit (cfg.programs) bash zsh fish; }};
        enableOption = result.options.programs.bootstrap.enable._type;
        drvs = {{
          bash = context cfg.programs.bash.initExtra;
          zsh = context cfg.programs.zsh.initContent;
          fish = context cfg.programs.fish.interactiveShellInit;
        }};
      }}
    """
    proc = nix(
        "eval", "--json", "--impure", *OVERRIDE, f"{flake}#homeManagerModules.default", "--apply", expr
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def build_command(drv: str) -> str:
    shown = json.loads(nix("show-derivation", drv).stdout)
    command: str = shown[drv]["env"]["buildCommand"]
    return command


def test_home_manager_module_sources_generated_snippets(flake: str) -> None:
    settings = f'{{ enable = true; user = "{HM_USER}"; role = "{HM_ROLE}"; }}'
    out = hm_eval(flake, settings)
    package = nix_eval(flake, "packages.x86_64-linux.default.outPath")
    assert out["enableOption"] == "option"
    assert out["home"]["packages"] == [package]
    assert out["programs"]["zsh"]["initExtra"] == ""
    texts = {
        "bash": out["programs"]["bash"]["initExtra"],
        "zsh": out["programs"]["zsh"]["initContent"],
        "fish": out["programs"]["fish"]["interactiveShellInit"],
    }
    for shell, text in texts.items():
        assert re.fullmatch(rf"source /nix/store/[0-9a-z]{{32}}-okta-login-{shell}\n", text), text
        (drv,) = out["drvs"][shell]
        command = build_command(drv)
        assert 'export HOME="$TMPDIR"' in command
        assert (
            f'{package}/bin/bootstrap snippet --shell {shell} --user {HM_USER} --role {HM_ROLE} > "$out"'
        ) in command


def test_home_manager_module_passes_the_org_file(flake: str, tmp_path: Path) -> None:
    org = tmp_path / "okta-org.toml"
    org.write_text('organization = "example.okta.com"\n')
    settings = f'{{ enable = true; user = "{HM_USER}"; role = "{HM_ROLE}"; orgFile = {org}; }}'
    out = hm_eval(flake, settings)
    command = build_command(out["drvs"]["zsh"][0])
    match = re.search(r"--org-file (/nix/store/[0-9a-z]{32}-okta-org\.toml) ", command)
    assert match, command
    assert Path(match.group(1)).read_text() == org.read_text()


def test_home_manager_module_disabled_sets_nothing(flake: str) -> None:
    out = hm_eval(flake, "{ enable = false; }")
    assert out["home"]["packages"] == []
    assert out["programs"]["bash"]["initExtra"] == ""
    assert out["programs"]["zsh"]["initContent"] == ""
    assert out["programs"]["fish"]["interactiveShellInit"] == ""


# ---------------------------------------------------------------------------- aws-okta-processor sdist


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sdist from PyPI (network: CI reaches PyPI)."""
    where = tmp_path_factory.mktemp("sdist")
    home = where / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    cmd += ["--no-cache-dir", "-d", str(where), "aws-okta-processor==1.10.0"]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    print(f"[{time.monotonic() - start:6.3f}s] {' '.join(cmd)}")
    if proc.returncode != 0:
        pytest.fail(f"pip download failed (needs PyPI):\n{proc.stderr}")
    (found,) = where.glob("*.tar.gz")
    return found


def test_aws_okta_processor_hash_and_url_match_pypi(flake: str, sdist: Path) -> None:
    src = nix_eval(
        flake, "packages.x86_64-linux.aws-okta-processor.src", "--apply", "s: { inherit (s) outputHash url; }"
    )
    assert src["outputHash"] == sri(sdist.read_bytes())
    assert src["url"].rsplit("/", 1)[1] == sdist.name


def test_hash_comparison_catches_a_wrong_hash(flake: str, sdist: Path, tmp_path: Path) -> None:
    """A well-formed but wrong hash evaluates fine: only the comparison with PyPI catches it."""
    copy = copy_tracked(tmp_path)
    wrong = sri(b"")
    edit(copy, "nix/aws-okta-processor.nix", sri(sdist.read_bytes()), wrong)
    attr = "packages.x86_64-linux.aws-okta-processor.src.outputHash"
    assert nix_eval(f"path:{copy}", attr) == wrong != sri(sdist.read_bytes())


def test_aws_okta_processor_recipe_matches_the_sdist(flake: str, sdist: Path) -> None:
    pkg = nix_eval(
        flake,
        "packages.x86_64-linux.aws-okta-processor",
        "--apply",
        "p: { inherit (p) dependencyNames buildSystemNames version; inherit (p.drvAttrs)"
        " postPatch pythonRemoveDeps pythonRelaxDeps; }",
    )
    root = sdist.name.removesuffix(".tar.gz")
    files: dict[str, str] = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith((".py", "/pyproject.toml")):
                data = tar.extractfile(member)
                assert data is not None
                files[member.name.removeprefix(root + "/")] = data.read().decode()
    meta = tomllib.loads(files["pyproject.toml"])
    assert meta["build-system"]["build-backend"] == "poetry.core.masonry.api"
    assert pkg["buildSystemNames"] == ["poetry-core"]
    assert pkg["version"] == meta["tool"]["poetry"]["version"]
    upstream = {norm(n): spec for n, spec in meta["tool"]["poetry"]["dependencies"].items()}
    upstream.pop("python")
    removed = {norm(n) for n in pkg["pythonRemoveDeps"]}
    assert removed == {"contextlib2"} and removed <= set(upstream)
    assert set(upstream) - removed == {norm(n) for n in pkg["dependencyNames"]}
    for relaxed in pkg["pythonRelaxDeps"]:
        assert str(upstream[norm(relaxed)]).startswith("^"), "relax only what upstream pins"

    # substituteInPlace --replace-fail, applied as the builder would: each pattern must be found.
    (target,) = re.findall(r"substituteInPlace (\S+)", pkg["postPatch"])
    text = files[target]
    for old, new in re.findall(r'--replace-fail "([^"]*)" "([^"]*)"', pkg["postPatch"]):
        assert old in text, f"--replace-fail {old!r} would fail"
        text = text.replace(old, new)
    assert "contextlib2" not in text
    compile(text, target, "exec")
    others = [name for name, body in files.items() if "contextlib2" in body and name != target]
    assert others == ["pyproject.toml"]


# ---------------------------------------------------------------------------- the stand-in bites


def copy_tracked(dest: Path) -> Path:
    """A copy of the tracked files: the flake as a clean clone would see it."""
    for rel in tracked_files():
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}: the mutation no longer applies"
    path.write_text(text.replace(old, new))


def expect_failure(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode != 0, "the broken flake evaluated"
    assert message in proc.stderr, proc.stderr


def test_unbroken_copy_evaluates(flake: str, tmp_path: Path) -> None:
    """The baseline for the mutations below: the copy itself is fine."""
    copy = copy_tracked(tmp_path)
    nix("flake", "check", "--no-build", *OVERRIDE, f"path:{copy}")
    hm_eval(f"path:{copy}", f'{{ enable = true; user = "{HM_USER}"; role = "{HM_ROLE}"; }}')


# name: (edits as (file, old, new), expected message, attribute to evaluate; None: nix flake check)
MUTATIONS: dict[str, tuple[list[tuple[str, str, str]], str, str | None]] = {
    "misspelled top-level attribute": (
        [("flake.nix", "pkgs.shellcheck", "pkgs.shell-check")],
        "attribute 'shell-check' missing",
        None,
    ),
    "misspelled python package argument": (
        [
            ("nix/package.nix", "  shellingham,\n", "  shellinghamm,\n"),
            ("nix/package.nix", "    shellingham\n", "    shellinghamm\n"),
        ],
        "without required argument(s): shellinghamm",
        None,
    ),
    "unexpected callPackage override": (
        [("flake.nix", "inherit aws-okta-processor;\n", "inherit aws-okta-processor;\n extra = 1;\n")],
        "unexpected argument(s): extra",
        None,
    ),
    "disabled package contextlib2": (
        [
            ("nix/aws-okta-processor.nix", "  tomlkit,\n}:", "  tomlkit,\n  contextlib2,\n}:"),
            ("nix/aws-okta-processor.nix", "    tomlkit\n  ];", "    tomlkit\n    contextlib2\n  ];"),
        ],
        "not supported for interpreter python3.13",
        None,
    ),
    "typo in a buildPythonApplication argument": (
        [("nix/package.nix", "  dependencies = [", "  dependancies = [")],
        "unknown argument `dependancies'",
        None,
    ),
    "no pyproject = true": (
        [("nix/aws-okta-processor.nix", "  pyproject = true;\n", "")],
        "`pyproject = true' (or a legacy `format') is required",
        None,
    ),
    "malformed hash": (
        [("nix/aws-okta-processor.nix", "L/pyk=", "L/py=")],
        "invalid SRI hash",
        None,
    ),
    "obsolete pytestFlagsArray": (
        [("nix/package.nix", "  disabledTestMarks = [", "  pytestFlagsArray = [")],
        "`pytestFlagsArray' is obsolete",
        None,
    ),
    "no meta.mainProgram": (
        [("nix/package.nix", '    mainProgram = "bootstrap";\n', "")],
        "has no meta.mainProgram",
        "apps.x86_64-linux.default.program",  # Nix 2.8's flake check does not look into apps
    ),
    "misspelled mkShell argument": (
        [("flake.nix", "shellHook = ''", "shellhook = ''")],
        "unexpected argument 'shellhook'",
        None,
    ),
    "file set outside its root": (
        [("nix/package.nix", "    root = ../.;", "    root = ./.;")],
        "is not under root",
        None,
    ),
    "pyproject = true without a build-system": (
        [("nix/package.nix", "  build-system = [ hatchling ];\n", "")],
        "needs a `build-system'",
        None,
    ),
    "a string where a package belongs": (
        [("nix/package.nix", "    typer\n    boto3\n", '    "typer"\n    boto3\n')],
        "`dependencies' must be a list of derivations",
        None,
    ),
    "a non-Python package as a Python dependency": (
        [
            ("nix/package.nix", "  tomli-w,\n", "  tomli-w,\n  awscli2,\n"),
            ("nix/package.nix", "    tomli-w\n", "    tomli-w\n    awscli2\n"),
        ],
        "`dependencies' must hold Python packages",
        None,
    ),
    "pythonRemoveDeps not a list": (
        [
            (
                "nix/aws-okta-processor.nix",
                'pythonRemoveDeps = [ "contextlib2" ];',
                'pythonRemoveDeps = "contextlib2";',
            )
        ],
        "`pythonRemoveDeps' must be a boolean or a list of strings",
        None,
    ),
    "misspelled meta attribute": (
        [("nix/package.nix", '    mainProgram = "bootstrap";', '    mainprogram = "bootstrap";')],
        "unknown meta attribute `mainprogram'",
        None,
    ),
    "a string in mkShell packages": (
        [("flake.nix", "pkgs.ruff\n              pkgs.bash", '"ruff"\n              pkgs.bash')],
        "mkShell: not a derivation",
        None,
    ),
    "a non-Python package in python3.withPackages": (
        [("flake.nix", "          ps.mypy\n", "          pkgs.ruff\n")],
        "python3.withPackages: not a Python package",
        None,
    ),
    "deprecated nixfmt-rfc-style": (
        [("flake.nix", "pkgs.nixfmt\n", "pkgs.nixfmt-rfc-style\n")],
        "deprecated alias",
        None,
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_standin_catches(flake: str, tmp_path: Path, name: str) -> None:
    copy = copy_tracked(tmp_path)
    edits, message, attr = MUTATIONS[name]
    for rel, old, new in edits:
        edit(copy, rel, old, new)
    if attr is None:
        proc = nix("flake", "check", "--no-build", *OVERRIDE, f"path:{copy}", check=False)
    else:
        proc = nix("eval", "--json", *OVERRIDE, f"path:{copy}#{attr}", check=False)
    expect_failure(proc, message)


def test_standin_catches_missing_source_file(flake: str, tmp_path: Path) -> None:
    copy = copy_tracked(tmp_path)
    (copy / "README.md").unlink()
    proc = nix("flake", "check", "--no-build", *OVERRIDE, f"path:{copy}", check=False)
    expect_failure(proc, "README.md is a path that does not exist")


def test_standin_catches_untracked_source_file(flake: str, tmp_path: Path) -> None:
    """A flake from git sees tracked files only: README.md present on disk but not added fails."""
    copy = copy_tracked(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    run([*git, "init", "-q"], cwd=copy)
    run([*git, "add", "--all", "--", ".", ":!README.md"], cwd=copy)
    run([*git, "commit", "-q", "-m", "copy"], cwd=copy)
    proc = nix("flake", "check", "--no-build", *OVERRIDE, f"git+file://{copy}", check=False)
    expect_failure(proc, "README.md is a path that does not exist")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "programs.zsh.initContent",
            "programs.zsh.initContents",
            "initContents' does not exist",
            id="undeclared option",
        ),
        pytest.param(
            "programs.zsh.initContent",
            "programs.zsh.initExtra",
            "initExtra is deprecated",
            id="deprecated zsh initExtra",
        ),
        pytest.param("lib.types.str;", "lib.types.bool;", "is not of type `boolean'", id="wrong option type"),
        pytest.param(
            "      default = null;\n",
            "",
            "programs.bootstrap.orgFile' is used but not defined",
            id="option without a default",
        ),
        pytest.param(
            'description = "Your Okta',
            'descripton = "Your Okta',
            "unexpected argument 'descripton'",
            id="misspelled mkOption argument",
        ),
    ],
)
def test_standin_catches_home_manager_mistakes(
    flake: str, tmp_path: Path, old: str, new: str, message: str
) -> None:
    copy = copy_tracked(tmp_path)
    edit(copy, "nix/home-manager.nix", old, new)
    settings = f'{{ enable = true; user = "{HM_USER}"; role = "{HM_ROLE}"; }}'
    with pytest.raises(pytest.fail.Exception) as failed:
        hm_eval(f"path:{copy}", settings)
    assert message in str(failed.value)


def test_dependency_comparison_catches_a_dropped_dependency(flake: str, tmp_path: Path) -> None:
    copy = copy_tracked(tmp_path)
    edit(copy, "nix/package.nix", "  jinja2,\n", "")
    edit(copy, "nix/package.nix", "    jinja2\n", "")
    names = nix_eval(f"path:{copy}", "packages.x86_64-linux.bootstrap.dependencyNames")
    missing, extra = dependency_mismatch(pyproject()["project"]["dependencies"], names)
    assert (missing, extra) == ({"jinja2"}, set())
