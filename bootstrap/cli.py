"""The command line: a thin Typer layer that parses, calls the library, prints and maps errors to exit codes.

Exit codes: 0 ok; 1 a problem the user can fix; 2 usage; 3 unexpected (run `bootstrap doctor`); 130 Ctrl-C.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from bootstrap import __version__, install, paths, render, session, shells, userconfig, validate
from bootstrap.errors import BootstrapError

# Typer >= 0.29 vendors click and raises its own exception types; older Typer raises click's.
_ClickError: type[Exception] = (
    getattr(typer, "TyperException", None) or importlib.import_module("click").ClickException
)

app = typer.Typer(
    name="bootstrap",
    help="From a fresh clone to working AWS credentials through Okta.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

OrgFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--org-file",
        help="Organization settings (TOML); default: $BOOTSTRAP_ORG_FILE, else the one setup used.",
        dir_okay=False,
    ),
]
ShellOpt = Annotated[str | None, typer.Option("--shell", help="bash, zsh or fish (default: detected).")]


def _use_color(stream: object) -> bool:
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


def say(message: str = "", *, err: bool = False) -> None:
    typer.echo(message, err=err)


def warn(message: str) -> None:
    text = typer.style(message, fg="yellow") if _use_color(sys.stderr) else message
    typer.echo(text, err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bootstrap {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """From a fresh clone to working AWS credentials through Okta."""


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask_user(flag: str | None, stored: str) -> str:
    if flag:
        return validate.user(flag)
    if _interactive():

        def check(value: str) -> str:
            try:
                return validate.user(value.strip(), "user")
            except BootstrapError as exc:
                raise typer.BadParameter(exc.message) from None

        result: str = typer.prompt("Okta user (email)", default=stored or None, value_proc=check)
        return result
    if stored:
        return stored
    raise BootstrapError("missing --user", "pass --user you@example.com (no terminal to ask on)")


def _ask_role(flag: str | None, stored: str, roles: tuple[str, ...], where: str) -> str:
    default = stored if stored in roles else roles[0]
    if flag is None and _interactive() and len(roles) > 1:

        def check(value: str) -> str:
            if value.strip() not in roles:
                raise typer.BadParameter(f"choose one of: {', '.join(roles)}")
            return value.strip()

        flag = typer.prompt(f"AWS role ({', '.join(roles)})", default=default, value_proc=check)
    role = validate.role(flag or default)
    if role not in roles:
        raise BootstrapError(
            f"--role: {role!r} is not a role of this organization ({', '.join(roles)})",
            f"pass one of them, or add it to aws.roles in {where}",
        )
    return role


@app.command()
def setup(
    user: Annotated[str | None, typer.Option("--user", help="Your Okta login (email).")] = None,
    role: Annotated[str | None, typer.Option("--role", help="AWS role name to log in as.")] = None,
    shell: ShellOpt = None,
    org_file: OrgFileOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show a diff of every file it would change; change nothing."),
    ] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify/--no-verify", help="Log in once and confirm the identity with AWS STS."),
    ] = True,
) -> int:
    """Install okta-login for your shell and remember your Okta user and role."""
    ctx = session.load(org_file)
    stored = ctx.cfg or userconfig.UserConfig()
    shell_name = shells.detect(shell)
    the_user = _ask_user(user, stored.user)
    the_role = _ask_role(role, stored.role, ctx.org.roles, ctx.org.source)
    settings = render.LoginSettings(the_user, the_role, ctx.org)
    plan = install.plan_setup(shell_name, settings, ctx.cfg)

    if dry_run:
        text = install.diff(plan)
        say(text if text else "Nothing to change: okta-login is already set up like this.")
        _report_blocked(plan)
        return 0
    if plan.writes and _interactive() and not yes:
        say(f"bootstrap will set up okta-login for {shell_name} ({the_user}, role {the_role}):")
        for edit in plan.writes:
            say(f"  {'create' if edit.before is None else 'update'} {edit.path}")
        if not typer.confirm("Continue?", default=True):
            say("Nothing changed.")
            return 1

    stored.user, stored.role, stored.shell = the_user, the_role, shell_name
    stored.org_file = str(ctx.org_file) if ctx.org_file else ""
    written = install.run_setup(plan, stored)

    if written:
        say("Changed:")
        for edit in written:
            note = "" if edit.real == edit.path else f" (symlink to {edit.real})"
            say(f"  {edit.path}{note}")
    else:
        say("okta-login was already set up; nothing changed.")
    say(f"Saved your choices in {paths.config_file()}")
    _report_blocked(plan)
    if verify:
        from bootstrap import login

        login.confirm_setup(settings, say=say)
    rc = next((e.path for e in plan.edits if e.kind == "block" and not e.blocked), None)
    say(f"Next: {shells.reload_hint(shell_name, rc)}, then run `okta-login`.")
    return 0


def _report_blocked(plan: install.Plan) -> None:
    for edit in plan.blocked:
        warn(f"Not changed: {edit.path}: {edit.blocked}.")
        option = {"bash": "programs.bash.initExtra", "zsh": "programs.zsh.initContent"}.get(
            plan.shell, "your shell's init"
        )
        warn(
            "Add these lines to your dotfiles, or with home-manager to "
            f"{option} (or enable programs.bootstrap from this repo's flake):"
        )
        # The block this very file would have had (in ~/.profile it is guarded to run in bash only).
        say(install.planned_block(edit).rstrip("\n"))


@app.command()
def uninstall(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    keep_config: Annotated[
        bool, typer.Option("--keep-config", help="Keep config.toml (your user and role).")
    ] = False,
) -> int:
    """Undo setup: restore every file it changed and remove okta-login."""
    if _interactive() and not yes and not typer.confirm("Remove okta-login and undo setup?", default=True):
        say("Nothing changed.")
        return 1
    had_config_dir = paths.config_dir().exists()
    results = install.run_uninstall(keep_config)
    if not results:
        say("Nothing to undo: bootstrap had not changed any file.")
    for undo in results:
        say(f"  {undo.path}: {undo.action}")
    if not keep_config and had_config_dir and not paths.config_dir().exists():
        say(f"Removed {paths.config_dir()}.")
    say("Open a new terminal so that okta-login disappears from it.")
    return 0


@app.command()
def snippet(
    shell: ShellOpt = None,
    user: Annotated[str | None, typer.Option("--user", help="Okta user (default: stored).")] = None,
    role: Annotated[str | None, typer.Option("--role", help="AWS role (default: stored).")] = None,
    org_file: OrgFileOpt = None,
) -> int:
    """Print the okta-login code for a shell (for dotfiles managed by hand or by home-manager)."""
    ctx = session.load(org_file)
    stored = ctx.cfg or userconfig.UserConfig()
    shell_name = shells.detect(shell or stored.shell or None)
    the_user = user or stored.user
    if not the_user:
        raise BootstrapError("missing --user", "pass --user you@example.com or run `bootstrap setup`")
    the_role = role or (stored.role if stored.role in ctx.org.roles else ctx.org.default_role)
    settings = render.LoginSettings(validate.user(the_user), validate.role(the_role), ctx.org)
    sys.stdout.write(render.render_dropin(shell_name, settings))
    return 0


@app.command()
def status(
    short: Annotated[bool, typer.Option("--short", help="One line (for the Nix dev shell).")] = False,
) -> int:
    """Show what is set up and whether this shell has live credentials (no network)."""
    from bootstrap import creds

    ctx = session.load()
    if ctx.cfg is None or not ctx.cfg.user:
        say("bootstrap: not set up yet: run `bootstrap setup`")
        return 0 if short else 1
    live = creds.describe_env(ctx.org)
    line = f"bootstrap: {ctx.cfg.user}, role {ctx.cfg.role} ({ctx.cfg.shell}); {live}"
    say(line)
    if not short:
        say(f"  organization: {ctx.org.organization} (settings: {ctx.org.source})")
        say(f"  config: {paths.config_file()}")
        for change in ctx.cfg.changes:
            say(f"  {change.kind}: {change.path}")
    return 0


@app.command()
def verify(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
    role: Annotated[str | None, typer.Option("--role", help="Role to expect (default: stored).")] = None,
) -> int:
    """Check the AWS identity this shell's credentials give (STS GetCallerIdentity)."""
    import json

    from bootstrap import aws, creds

    ctx = session.load()
    expected = validate.role(role) if role else (ctx.cfg.role if ctx.cfg and ctx.cfg.role else None)
    try:
        report = aws.check(ctx.org, expected)
    except aws.IdentityError as exc:
        if json_out:
            payload = {"ok": False, "reason": exc.reason, "message": exc.message, "hint": exc.hint}
            say(json.dumps({**payload, "details": exc.details}, indent=2, default=str))
            return 1
        raise
    identity = report.identity
    left = report.seconds_left()
    if json_out:
        say(json.dumps({
            "ok": True, "account": identity.account, "arn": identity.arn, "role": identity.role,
            "source": report.source, "expires": report.expires.isoformat() if report.expires else None,
            "seconds_left": int(left) if left is not None else None,
        }, indent=2))  # fmt: skip
        return 0
    say(f"Account:  {identity.account}")
    say(f"ARN:      {identity.arn}")
    say(f"Role:     {identity.role or '(not an assumed role)'}")
    if report.expires is not None and left is not None:
        say(f"Expires:  {report.expires:%Y-%m-%d %H:%M:%S} UTC (in {creds.human_delta(left)})")
    else:
        say("Expires:  unknown (AWS_CREDENTIAL_EXPIRATION is not set)")
    say(f"Source:   {report.source}")
    wanted = f" and role {expected}" if expected else ""
    say(f"OK: this shell is account {ctx.org.account_id}{wanted}.")
    return 0


@app.command()
def console(
    print_only: Annotated[bool, typer.Option("--print", help="Print the URL instead of opening it.")] = False,
) -> int:
    """Open the AWS web console through Okta in your browser."""
    from bootstrap import console as consolemod

    url = consolemod.console_url(session.load().org)
    if print_only:
        say(url)
        return 0
    if consolemod.open_browser(url):
        say(f"Opened {url}")
    else:
        say(url)
        warn("No browser available here: open the URL above on a machine with one.")
    return 0


@app.command()
def doctor(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable report (same checks).")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the network checks.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show every check's details (and tracebacks).")
    ] = False,
) -> int:
    """Check everything okta-login needs and say how to fix what is wrong (exit 1 if a check failed)."""
    import time

    from bootstrap.doctor import report, runner

    started = time.monotonic()
    diagnosis = runner.run(runner.gather(offline=offline), verbose=verbose, started=started)
    if json_:
        sys.stdout.write(report.to_json(diagnosis))
    else:
        sys.stdout.write(report.to_text(diagnosis, color=report.use_color(sys.stdout), verbose=verbose))
    sys.stdout.flush()
    return diagnosis.exit_code


def _fail(message: str, hint: str | None) -> None:
    prefix = typer.style("error:", fg="red", bold=True) if _use_color(sys.stderr) else "error:"
    typer.echo(f"bootstrap: {prefix} {message}", err=True)
    if hint:
        typer.echo(f"  {hint}", err=True)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; no traceback for anything but a bug."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="bootstrap")
    except BootstrapError as exc:
        _fail(exc.message, exc.hint)
        return 1
    except typer.Abort as exc:
        # Click raises Abort "from None" for Ctrl-D: the EOFError is only in __context__.
        if isinstance(exc.__cause__ or exc.__context__, EOFError):
            _fail("input ended before every question was answered", "pass the values as flags")
            return 1
        typer.echo("Interrupted; nothing more was changed.", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("\nInterrupted; nothing more was changed.", err=True)
        return 130
    except _ClickError as exc:
        exc.show()  # type: ignore[attr-defined]
        code: int = exc.exit_code  # type: ignore[attr-defined]
        return code
    except Exception as exc:  # noqa: BLE001 - the boundary: a bug must still end with a useful line
        if os.environ.get("BOOTSTRAP_DEBUG"):
            raise
        _fail(
            f"unexpected error: {type(exc).__name__}: {exc}",
            "run `bootstrap doctor`; set BOOTSTRAP_DEBUG=1 to see the traceback",
        )
        return 3
    return result if isinstance(result, int) else 0
