"""A local Okta stand-in: the HTTPS endpoints aws-okta-processor 1.10.0 calls, plus fault servers.

It speaks the classic authn API (`/api/v1/authn`, factor verify, `/api/v1/sessions`), serves
the AWS app page with a SAMLResponse that moto's AssumeRoleWithSAML accepts,
`/.well-known/okta-organization`, and an AWS sign-in page stand-in (`POST /saml`) for SAML
assertions with several roles.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import email.utils
import html
import itertools
import json
import re
import secrets
import select
import socket
import ssl
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

import trustme

HOST = "127.0.0.1"
DEFAULT_ACCOUNT_ID = "205810638802"
DEFAULT_ROLES: tuple[str, ...] = ("integrates-dev",)
DEFAULT_ACCOUNT_ALIAS = "fluidattacks"
DEFAULT_APP_PATH = "/home/amazon_aws/0oa9ahz3rfx1SpStS357/272"
DEFAULT_ORG_ID = "00o1fluid4ttacks0357"
DEFAULT_USER = "dev@fluidattacks.com"
DEFAULT_PASSWORD = "correct-horse-battery-staple"
DEFAULT_TOTP_CODE = "123456"
SAML_PROVIDER_NAME = "okta"

SAML_ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
SAML_ROLE_SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SAML_SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
_NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"

# A client that connects and stays silent must not pin a handler thread for ever.
_SOCKET_TIMEOUT = 10.0
# serve_forever() only notices shutdown() between polls: keep stop() prompt.
_POLL_INTERVAL = 0.05

FactorType = Literal["push", "token:software:totp", "token:hardware"]
Pipeline = Literal["v1", "idx"]
PushResult = Literal["SUCCESS", "REJECTED", "TIMEOUT"]


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class OktaFactor:
    """One enrolled MFA factor, as listed in an MFA_REQUIRED answer."""

    factor_type: FactorType
    provider: str = "OKTA"
    id: str = field(default_factory=lambda: "opf" + secrets.token_hex(8))

    @classmethod
    def push(cls) -> OktaFactor:
        """Okta Verify push (`--factor push:okta`)."""
        return cls("push", "OKTA", "opf" + secrets.token_hex(8))

    @classmethod
    def totp(cls, provider: str = "GOOGLE") -> OktaFactor:
        """Software TOTP (`--factor token:software:totp:google` or `...:okta`)."""
        return cls("token:software:totp", provider, "uft" + secrets.token_hex(8))

    @property
    def key(self) -> str:
        """The value aws-okta-processor expects in `--factor`."""
        return f"{self.factor_type}:{self.provider}".lower()


@dataclass
class OktaUser:
    """A user the stand-in knows; `email` becomes the SAML RoleSessionName."""

    login: str
    password: str
    factors: list[OktaFactor] = field(default_factory=list)
    email: str | None = None
    id: str = field(default_factory=lambda: "00u" + secrets.token_hex(8))

    @property
    def session_name(self) -> str:
        return self.email or self.login


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it (headers with lower-case names)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def form(self) -> dict[str, list[str]]:
        """The body parsed as application/x-www-form-urlencoded."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def cookies(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                out[name] = value
        return out


@dataclass
class _Session:
    id: str
    user: OktaUser
    expires_at: datetime
    created_at: datetime
    mfa: bool


@dataclass
class _Transaction:
    """An MFA transaction (stateToken) and how many push polls it has seen."""

    user: OktaUser
    polls: int = 0


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str


def _json_reply(status: int, payload: Any) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), "application/json")


def _html_reply(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode(), "text/html;charset=utf-8")


def _okta_error(status: int, code: str, summary: str, causes: Sequence[str] = ()) -> _Reply:
    """An error body shaped like Okta's (aws-okta-processor prints errorSummary)."""
    return _json_reply(
        status,
        {
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "oae" + secrets.token_hex(10),
            "errorCauses": [{"errorSummary": c} for c in causes],
        },
    )


def iso(moment: datetime) -> str:
    """Okta's timestamp format: `2024-01-01T00:00:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------- CA


class OktaCA:
    """A throwaway CA (trustme) whose bundle tests put in REQUESTS_CA_BUNDLE."""

    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA(organization_name="bootstrap tests")
        directory.mkdir(parents=True, exist_ok=True)
        self.bundle = directory / "okta-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.bundle))

    @property
    def bundle_path(self) -> str:
        return str(self.bundle)

    def server_context(self) -> ssl.SSLContext:
        """A server-side context with a leaf certificate for 127.0.0.1 and localhost."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(HOST, "localhost").configure_cert(ctx)
        return ctx


# --------------------------------------------------------------------------- SAML


def role_arn(account_id: str, role: str) -> str:
    """`integrates-dev` → `arn:aws:iam::<account>:role/integrates-dev`; full ARNs pass through."""
    return role if role.startswith("arn:") else f"arn:aws:iam::{account_id}:role/{role}"


def principal_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:saml-provider/{SAML_PROVIDER_NAME}"


def _arn_account(arn: str) -> str:
    return arn.split(":")[4]


def build_saml_response(
    *,
    issuer: str,
    destination: str,
    session_name: str,
    role_arns: Sequence[str],
    session_duration: int | None,
    now: datetime,
) -> bytes:
    """The XML of a SAML Response in the shape moto's AssumeRoleWithSAML parses.

    moto indexes samlp:Response/saml:Assertion/saml:AttributeStatement/saml:Attribute as a list,
    so there must be >= 2 Attribute elements, and it reads one AttributeValue per Role attribute:
    hence one Role attribute per role. The value is `principal_arn,role_arn`, the order
    aws-okta-processor unpacks. No signature: neither consumer checks one.
    """
    rid, aid = "id" + secrets.token_hex(16), "id" + secrets.token_hex(16)
    instant = iso(now)
    not_after = iso(now + timedelta(minutes=5))

    def attribute(name: str, value: str) -> str:
        return (
            f"<saml2:Attribute Name={quoteattr(name)}"
            ' NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
            '<saml2:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            f' xsi:type="xs:string">{escape(value)}</saml2:AttributeValue></saml2:Attribute>'
        )

    attributes = [attribute(SAML_ROLE, f"{principal_arn(_arn_account(r))},{r}") for r in role_arns]
    attributes.append(attribute(SAML_ROLE_SESSION_NAME, session_name))
    if session_duration is not None:
        attributes.append(attribute(SAML_SESSION_DURATION, str(session_duration)))
    issuer_xml = (
        '<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"'
        ' Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">'
        f"{escape(issuer)}</saml2:Issuer>"
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        f" Destination={quoteattr(destination)} ID={quoteattr(rid)}"
        f' IssueInstant="{instant}" Version="2.0">'
        f"{issuer_xml}"
        '<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        "</saml2p:Status>"
        '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"'
        f' ID={quoteattr(aid)} IssueInstant="{instant}" Version="2.0">'
        f"{issuer_xml}"
        "<saml2:Subject>"
        '<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">'
        f"{escape(session_name)}</saml2:NameID>"
        '<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml2:SubjectConfirmationData NotOnOrAfter="{not_after}"'
        f" Recipient={quoteattr(destination)}/></saml2:SubjectConfirmation></saml2:Subject>"
        f'<saml2:Conditions NotBefore="{iso(now - timedelta(minutes=5))}"'
        f' NotOnOrAfter="{not_after}"><saml2:AudienceRestriction>'
        "<saml2:Audience>urn:amazon:webservices</saml2:Audience>"
        "</saml2:AudienceRestriction></saml2:Conditions>"
        f'<saml2:AuthnStatement AuthnInstant="{instant}" SessionIndex={quoteattr(aid)}>'
        "<saml2:AuthnContext><saml2:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>"
        f"<saml2:AttributeStatement>{''.join(attributes)}</saml2:AttributeStatement>"
        "</saml2:Assertion></saml2p:Response>"
    )
    return xml.encode()


def saml_role_arns(saml_b64: str) -> list[str]:
    """The role ARNs of a base64 SAML Response (for the sign-in page and for assertions)."""
    root = ET.fromstring(base64.b64decode(saml_b64))
    out: list[str] = []
    for attr in root.iter(f"{{{_NS_ASSERTION}}}Attribute"):
        if attr.get("Name") == SAML_ROLE:
            for value in attr.iter(f"{{{_NS_ASSERTION}}}AttributeValue"):
                out.extend(p for p in (value.text or "").split(",") if ":role/" in p)
    return out


def _attr_escape(b64: str) -> str:
    # Okta writes `+`, `/` and `=` as character references; the client must decode them.
    return html.escape(b64).replace("+", "&#x2b;").replace("/", "&#x2f;").replace("=", "&#x3d;")


# --------------------------------------------------------------------------- HTTPS server


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer
    protocol_version = "HTTP/1.1"
    timeout = _SOCKET_TIMEOUT
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # The request list is the log; stderr noise would bury test output.
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, shifted by the configured clock offset."""
        if timestamp is None:
            timestamp = self.server.clock().timestamp()
        return email.utils.formatdate(timestamp, usegmt=True)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        record = RecordedRequest(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        try:
            reply = self.server.dispatch(record)
        except Exception:  # a bug in the stand-in: answer 500 and keep the traceback for the test
            self.server.note_error(traceback.format_exc())
            reply = _okta_error(500, "E0000009", "Internal Server Error")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class _TLSServer(ThreadingHTTPServer):
    """Accepts plain TCP and does the TLS handshake in the handler thread.

    Wrapping the listening socket would run handshakes in the accept loop, where one silent
    client would stall every other connection.
    """

    daemon_threads = True

    def __init__(
        self,
        context: ssl.SSLContext,
        dispatch: Callable[[RecordedRequest], _Reply],
        clock: Callable[[], datetime],
    ) -> None:
        self.context = context
        self.dispatch = dispatch
        self.clock = clock
        self._errors: list[str] = []
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((HOST, 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        raw: socket.socket = request
        raw.settimeout(_SOCKET_TIMEOUT)
        # Tracked from accept on, so stop() also wakes a thread stuck in the handshake.
        with self._open_lock:
            self._open.add(raw)
        try:
            try:
                conn = self.context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                # e.g. the client rejected our certificate: expected in the untrusted-CA test.
                self.note_error(repr(exc))
                return
            with self._open_lock:
                self._open.add(conn)
            try:
                _Handler(conn, client_address, self)
            except OSError:
                pass  # the peer went away, or stop() cut the connection
            finally:
                with self._open_lock:
                    self._open.discard(conn)
                self.shutdown_request(conn)
        finally:
            with self._open_lock:
                self._open.discard(raw)

    def note_error(self, text: str) -> None:
        with self._open_lock:
            self._errors.append(text)

    def error_log(self) -> list[str]:
        with self._open_lock:
            return list(self._errors)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Kept for the test to inspect (`OktaStandIn.errors`) rather than printed on stderr.
        self.note_error(traceback.format_exc())

    def cut_connections(self) -> None:
        """Wake handler threads blocked on keep-alive reads so they exit now."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Background:
    """start()/stop()/context-manager plumbing shared by the servers here."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class OktaStandIn(_Background):
    """The Okta org aws-okta-processor talks to, on https://127.0.0.1:<port>.

    Attributes are read per request, so a test may change them while the server runs
    (e.g. `okta.date_offset = timedelta(minutes=20)`, `okta.roles = [...]`).
    """

    def __init__(
        self,
        ca: OktaCA,
        *,
        users: Iterable[OktaUser] = (),
        account_id: str = DEFAULT_ACCOUNT_ID,
        roles: Sequence[str] = DEFAULT_ROLES,
        account_alias: str | None = DEFAULT_ACCOUNT_ALIAS,
        app_path: str = DEFAULT_APP_PATH,
        pipeline: Pipeline = "v1",
        org_id: str = DEFAULT_ORG_ID,
        date_offset: timedelta = timedelta(0),
        push_waiting_polls: int = 1,
        push_result: PushResult = "SUCCESS",
        totp_code: str = DEFAULT_TOTP_CODE,
        session_lifetime: timedelta = timedelta(hours=2),
        saml_session_duration: int | None = 3600,
    ) -> None:
        self.ca = ca
        self.users: dict[str, OktaUser] = {u.login: u for u in users}
        self.account_id = account_id
        self.roles: list[str] = list(roles)
        self.account_alias = account_alias
        self.app_path = app_path
        self.pipeline: Pipeline = pipeline
        self.org_id = org_id
        self.date_offset = date_offset
        self.push_waiting_polls = push_waiting_polls
        self.push_result: PushResult = push_result
        self.totp_code = totp_code
        self.session_lifetime = session_lifetime
        self.saml_session_duration = saml_session_duration
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._session_tokens: dict[str, tuple[OktaUser, bool]] = {}
        self._transactions: dict[str, _Transaction] = {}
        self._sessions: dict[str, _Session] = {}
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None
        self._last_errors: list[str] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        if self._server is None:
            self._server = _TLSServer(self.ca.server_context(), self._dispatch, self.clock)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _POLL_INTERVAL},
                name=f"okta-stand-in:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._last_errors = server.error_log()
        self._server = self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    # ---------------------------------------------------------------- addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("OktaStandIn is not running")
        return int(self._server.server_address[1])

    @property
    def organization(self) -> str:
        """What aws-okta-processor takes as `--organization` (it prepends https://)."""
        return f"{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"https://{self.organization}"

    @property
    def application_url(self) -> str:
        return self.base_url + self.app_path

    @property
    def sign_in_url(self) -> str:
        """The AWS sign-in page stand-in (`--sign-in-url`), needed when the SAML has 2+ roles."""
        return self.base_url + "/saml"

    @property
    def role_arns(self) -> list[str]:
        return [role_arn(self.account_id, r) for r in self.roles]

    @property
    def errors(self) -> list[str]:
        """Failed TLS handshakes and server-side tracebacks (empty in a healthy run)."""
        if self._server is None:
            return list(self._last_errors)
        return self._server.error_log()

    # ---------------------------------------------------------------- state for tests

    def add_user(self, user: OktaUser) -> OktaUser:
        with self._lock:
            self.users[user.login] = user
        return user

    def clock(self) -> datetime:
        """The stand-in's notion of now: real time plus `date_offset` (simulated skew)."""
        return datetime.now(UTC) + self.date_offset

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received, oldest first."""
        with self._lock:
            return list(self._requests)

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of every request, for asserting a flow."""
        return [(r.method, r.path) for r in self.requests]

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def session_ids(self) -> list[str]:
        with self._lock:
            return list(self._sessions)

    def revoke_sessions(self) -> None:
        """Forget every Okta session (the app page then shows the sign-in widget)."""
        with self._lock:
            self._sessions.clear()

    def expire_sessions(self) -> None:
        """Keep sessions but make them expired (refresh answers 404, app page asks to log in)."""
        with self._lock:
            for s in self._sessions.values():
                s.expires_at = self.clock() - timedelta(seconds=1)

    # ---------------------------------------------------------------- routing

    def _dispatch(self, req: RecordedRequest) -> _Reply:
        with self._lock:
            self._requests.append(req)
        routes: dict[tuple[str, str], Callable[[RecordedRequest], _Reply]] = {
            ("POST", "/api/v1/authn"): self._authn,
            ("POST", "/api/v1/sessions"): self._create_session,
            ("POST", "/api/v1/sessions/me/lifecycle/refresh"): self._refresh_session,
            ("GET", "/api/v1/users/me/appLinks"): self._app_links,
            ("GET", "/.well-known/okta-organization"): self._well_known,
            ("POST", "/saml"): self._aws_sign_in,
            ("GET", self.app_path): self._app,
        }
        handler = routes.get((req.method, req.path))
        if handler is not None:
            return handler(req)
        match = re.fullmatch(r"/api/v1/authn/factors/([^/]+)/verify", req.path)
        if match and req.method == "POST":
            return self._verify(req, match.group(1))
        return _okta_error(404, "E0000007", f"Not found: Resource not found: {req.path}")

    def _link(self, path: str) -> dict[str, Any]:
        return {"href": self.base_url + path, "hints": {"allow": ["POST"]}}

    def _authn(self, req: RecordedRequest) -> _Reply:
        body = req.json if isinstance(req.json, dict) else {}
        with self._lock:
            user = self.users.get(str(body.get("username", "")))
        if user is None or body.get("password") != user.password:
            return _okta_error(401, "E0000004", "Authentication failed")
        now = self.clock()
        if not user.factors:
            return _json_reply(200, self._success(user, now, mfa=False))
        state_token = "00" + secrets.token_urlsafe(30)
        with self._lock:
            self._transactions[state_token] = _Transaction(user)
        factors = [
            {
                "id": f.id,
                "factorType": f.factor_type,
                "provider": f.provider,
                "vendorName": f.provider,
                "profile": {"credentialId": user.login},
                "_links": {"verify": self._link(f"/api/v1/authn/factors/{f.id}/verify")},
            }
            for f in user.factors
        ]
        return _json_reply(
            200,
            {
                "stateToken": state_token,
                "expiresAt": iso(now + timedelta(minutes=5)),
                "status": "MFA_REQUIRED",
                "_embedded": {"user": self._user_json(user), "factors": factors},
                "_links": {"cancel": self._link("/api/v1/authn/cancel")},
            },
        )

    def _success(self, user: OktaUser, now: datetime, *, mfa: bool) -> dict[str, Any]:
        token = "20111" + secrets.token_urlsafe(30)
        with self._lock:
            self._session_tokens[token] = (user, mfa)
        return {
            "expiresAt": iso(now + timedelta(minutes=5)),
            "status": "SUCCESS",
            "sessionToken": token,
            "_embedded": {"user": self._user_json(user)},
        }

    @staticmethod
    def _user_json(user: OktaUser) -> dict[str, Any]:
        return {"id": user.id, "profile": {"login": user.login, "locale": "en", "timeZone": "UTC"}}

    def _verify(self, req: RecordedRequest, factor_id: str) -> _Reply:
        body = req.json if isinstance(req.json, dict) else {}
        state_token = str(body.get("stateToken", ""))
        with self._lock:
            tx = self._transactions.get(state_token)
        if tx is None:
            return _okta_error(403, "E0000011", "Invalid token provided")
        factor = next((f for f in tx.user.factors if f.id == factor_id), None)
        if factor is None:
            return _okta_error(404, "E0000007", f"Not found: Resource not found: {factor_id}")
        now = self.clock()
        if factor.factor_type == "push":
            with self._lock:
                tx.polls += 1
                waiting = tx.polls <= self.push_waiting_polls
            if waiting:
                return _json_reply(
                    200,
                    {
                        "stateToken": state_token,
                        "expiresAt": iso(now + timedelta(minutes=5)),
                        "status": "MFA_CHALLENGE",
                        "factorResult": "WAITING",
                        "_links": {
                            "next": dict(
                                name="poll",
                                **self._link(f"/api/v1/authn/factors/{factor_id}/verify"),
                            )
                        },
                    },
                )
            if self.push_result != "SUCCESS":
                return _json_reply(
                    200,
                    {
                        "stateToken": state_token,
                        "status": "MFA_CHALLENGE",
                        "factorResult": self.push_result,
                    },
                )
        elif body.get("passCode") != self.totp_code:
            return _okta_error(
                403,
                "E0000068",
                "Invalid Passcode/Answer",
                ["Your passcode doesn't match our records. Please try again."],
            )
        with self._lock:
            self._transactions.pop(state_token, None)
        return _json_reply(200, self._success(tx.user, now, mfa=True))

    def _session_json(self, s: _Session) -> dict[str, Any]:
        return {
            "id": s.id,
            "userId": s.user.id,
            "login": s.user.login,
            "createdAt": iso(s.created_at),
            "expiresAt": iso(s.expires_at),
            "status": "ACTIVE",
            "lastPasswordVerification": iso(s.created_at),
            "lastFactorVerification": iso(s.created_at) if s.mfa else None,
            "amr": ["pwd", "mfa"] if s.mfa else ["pwd"],
            "idp": {"id": self.org_id, "type": "OKTA"},
            "mfaActive": s.mfa,
            "_links": {"self": {"href": f"{self.base_url}/api/v1/sessions/me"}},
        }

    def _create_session(self, req: RecordedRequest) -> _Reply:
        body = req.json if isinstance(req.json, dict) else {}
        with self._lock:
            # Session tokens are single-use, as in Okta.
            found = self._session_tokens.pop(str(body.get("sessionToken", "")), None)
        if found is None:
            return _okta_error(403, "E0000005", "Invalid session")
        user, mfa = found
        now = self.clock()
        session = _Session("102" + secrets.token_urlsafe(16), user, now + self.session_lifetime, now, mfa)
        with self._lock:
            self._sessions[session.id] = session
        return _json_reply(200, self._session_json(session))

    def _live_session(self, req: RecordedRequest) -> _Session | None:
        with self._lock:
            session = self._sessions.get(req.cookies.get("sid", ""))
        if session is None or session.expires_at <= self.clock():
            return None
        return session

    def _refresh_session(self, req: RecordedRequest) -> _Reply:
        session = self._live_session(req)
        if session is None:
            return _okta_error(404, "E0000007", "Not found: Resource not found: me (Session)")
        with self._lock:
            session.expires_at = self.clock() + self.session_lifetime
        return _json_reply(200, self._session_json(session))

    def _app_links(self, req: RecordedRequest) -> _Reply:
        if self._live_session(req) is None:
            return _okta_error(403, "E0000006", "You do not have permission to perform the action")
        app_id = self.app_path.rstrip("/").split("/")[-2]
        return _json_reply(
            200,
            [
                {
                    "id": "0ua" + secrets.token_hex(8),
                    "label": "AWS Account Federation",
                    "linkUrl": self.application_url,
                    "appName": "amazon_aws",
                    "appInstanceId": app_id,
                    "sortOrder": 0,
                }
            ],
        )

    def _app(self, req: RecordedRequest) -> _Reply:
        session = self._live_session(req)
        if session is None:
            # What Okta shows a browser without a session: the sign-in widget, no SAMLResponse.
            return _html_reply(
                200,
                "<!DOCTYPE html><html><head><title>Sign In</title></head><body>"
                '<div id="okta-sign-in" class="auth-container main-container"></div>'
                "</body></html>",
            )
        xml = build_saml_response(
            issuer=f"http://www.okta.com/exk{self.org_id[3:]}",
            destination="https://signin.aws.amazon.com/saml",
            session_name=session.user.session_name,
            role_arns=self.role_arns,
            session_duration=self.saml_session_duration,
            now=self.clock(),
        )
        value = _attr_escape(base64.b64encode(xml).decode())
        return _html_reply(
            200,
            "<!DOCTYPE html><html><head><title>Amazon Web Services</title></head>"
            '<body onload="document.forms[0].submit()">'
            f'<form id="appForm" action="{html.escape(self.sign_in_url)}" method="POST">'
            f'<input name="SAMLResponse" type="hidden" value="{value}"/>'
            '<input name="RelayState" type="hidden" value=""/>'
            "</form></body></html>",
        )

    def _well_known(self, req: RecordedRequest) -> _Reply:
        return _json_reply(
            200,
            {
                "id": self.org_id,
                "pipeline": self.pipeline,
                "_links": {
                    "organization": {"href": self.base_url},
                    "alternate": {"href": self.base_url},
                },
                "settings": {"analyticsCollectionEnabled": False},
            },
        )

    def _aws_sign_in(self, req: RecordedRequest) -> _Reply:
        """AWS's role chooser, in the markup aws_okta_processor.core.saml scrapes.

        `fieldset > div.saml-account` (direct children), inside it `div.saml-account-name`
        with exactly one text node "Account: alias (id)", then an inner `div.saml-account` holding
        `div.saml-role` elements with an `<input id=ROLE_ARN>` and a `<label>`.
        """
        try:
            arns = saml_role_arns(req.form.get("SAMLResponse", [""])[0])
        except (ValueError, ET.ParseError):
            return _html_reply(400, "<html><body>Bad SAML</body></html>")
        accounts: dict[str, list[str]] = {}
        for arn in arns:
            accounts.setdefault(_arn_account(arn), []).append(arn)
        blocks: list[str] = []
        for index, (account, account_arns) in enumerate(accounts.items()):
            alias = self.account_alias if account == self.account_id else None
            label = f"Account: {alias} ({account})" if alias else f"Account: {account}"
            roles_html = "".join(
                '<div class="saml-role" onClick="checkRadio(this);">'
                f'<input type="radio" name="roleIndex" value="{html.escape(arn)}"'
                f' class="saml-radio" id="{html.escape(arn)}" />'
                f'<label for="{html.escape(arn)}" class="saml-role-description">'
                f"{html.escape(arn.rsplit('/', 1)[-1])}</label>"
                '<span style="clear: both;"></span></div>'
                for arn in account_arns
            )
            blocks.append(
                '<div class="saml-account">'
                f'<div onClick="expandCollapse({index});">'
                f'<div class="saml-account-name">{html.escape(label)}</div></div>'
                '<hr style="border: 1px solid #ddd;">'
                f'<div class="saml-account" id="{index}">{roles_html}</div></div>'
            )
        return _html_reply(
            200,
            "<!DOCTYPE html><html><head><title>Amazon Web Services Sign-In</title></head><body>"
            '<form id="saml_form" name="saml_form" action="/saml" method="post">'
            '<input type="hidden" name="RelayState" value="" />'
            "<fieldset>" + "".join(blocks) + "</fieldset></form></body></html>",
        )


# --------------------------------------------------------------------------- fault servers


def refused_address() -> tuple[str, int]:
    """A loopback port nobody listens on: connecting is refused at once.

    Bound, read and closed: another process could take it in between, which is unlikely
    within a test and would only turn "refused" into some other failure.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return HOST, int(sock.getsockname()[1])


class BlackHole(_Background):
    """Accepts TCP connections and never answers (clients hit their read timeout)."""

    def __init__(self) -> None:
        self._listener: socket.socket | None = None
        self._accepted: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.connections = 0

    def start(self) -> Self:
        if self._listener is None:
            self._listener = socket.create_server((HOST, 0), backlog=64)
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="black-hole", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            # select() with a short timeout so stop() never waits on a blocking accept().
            ready, _, _ = select.select([listener], [], [], _POLL_INTERVAL)
            if ready:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                self._accepted.append(conn)
                self.connections += 1

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("BlackHole is not running")
        return int(self._listener.getsockname()[1])

    @property
    def organization(self) -> str:
        return f"{HOST}:{self.port}"

    def stop(self) -> None:
        if self._listener is None:
            return
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for conn in itertools.chain(self._accepted, [self._listener]):
            conn.close()
        self._accepted.clear()
        self._listener = None
        self._thread = None
