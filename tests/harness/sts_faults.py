"""A scripted AWS STS endpoint (plain HTTP on 127.0.0.1) for the answers moto never gives.

moto accepts any credentials and has a correct clock, so the verify/doctor reasons "invalid token",
"clock skew", "wrong account" and "wrong role" need a peer that answers them in STS's real wire format
(the query protocol's XML), parsed by the real botocore.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def identity_xml(account: str, arn: str, user_id: str = "AROAEXAMPLE:session") -> str:
    return (
        f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
        f"<Arn>{arn}</Arn><UserId>{user_id}</UserId><Account>{account}</Account>"
        f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
        "</ResponseMetadata></GetCallerIdentityResponse>"
    )


def assume_role_xml(account: str, role: str, session: str) -> str:
    """An AssumeRoleWithSAML answer, so aws-okta-processor can log in through this stand-in too."""
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<AssumeRoleWithSAMLResponse xmlns="{NS}"><AssumeRoleWithSAMLResult>'
        "<Credentials><AccessKeyId>ASIASTANDIN000000001</AccessKeyId>"
        "<SecretAccessKey>c3RhbmQtaW4tc2VjcmV0LWtleS1zdGFuZC1pbi1zZWNyZXQ=</SecretAccessKey>"
        "<SessionToken>c3RhbmQtaW4tc2Vzc2lvbi10b2tlbg==</SessionToken>"
        f"<Expiration>{expires}</Expiration></Credentials>"
        f"<AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn>"
        f"<AssumedRoleId>AROASTANDIN:{session}</AssumedRoleId></AssumedRoleUser>"
        f"<Subject>{session}</Subject><SubjectType>persistent</SubjectType>"
        f"<Issuer>https://okta.example/</Issuer><Audience>https://signin.aws.amazon.com/saml</Audience>"
        f"<NameQualifier>x</NameQualifier></AssumeRoleWithSAMLResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</AssumeRoleWithSAMLResponse>"
    )


def error_xml(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )


class STSStandIn:
    """Answers GetCallerIdentity (and GETs) with `status` and `body`; `date_offset` shifts the Date header.

    AssumeRoleWithSAML always succeeds with `assume_role_body` (set it to choose who logs in).
    """

    def __init__(self, status: int = 200, body: str = "", date_offset: timedelta = timedelta(0)) -> None:
        self.status = status
        self.body = body or identity_xml("205810638802", "arn:aws:sts::205810638802:assumed-role/x/y")
        self.date_offset = date_offset
        self.assume_role_body = assume_role_xml("205810638802", "integrates-dev", "dev@fluidattacks.com")
        self.headers: list[dict[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                return format_datetime(datetime.now(UTC) + stand_in.date_offset, usegmt=True)

            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                form = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stand_in.headers.append({k.lower(): v for k, v in self.headers.items()})
                if b"Action=AssumeRoleWithSAML" in form:
                    status, data = 200, stand_in.assume_role_body.encode()
                else:
                    status, data = stand_in.status, stand_in.body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815 - the doctor reads the Date header with a GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
