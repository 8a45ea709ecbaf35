"""Who issued the certificate a server shows: the first question when TLS fails behind a corporate proxy.

The certificate is fetched with verification off (we only read it, nothing is sent) and its issuer is read
with a minimal DER walk. Why not `cryptography` or `ssl._ssl._test_decode_cert`: the first is not a runtime
dependency, the second is private and wants a file. A certificate is a few nested TLVs and the issuer is
always the fourth field of tbsCertificate (RFC 5280 4.1), so the walk is short and fails closed (None).
"""

from __future__ import annotations

import hashlib
import socket
import ssl

# Attribute OIDs (2.5.4.x) we show, by their DER content bytes.
_NAMES = {b"\x55\x04\x03": "CN", b"\x55\x04\x0a": "O", b"\x55\x04\x0b": "OU"}
# DirectoryString and friends: UTF8String, PrintableString, T61String, IA5String, BMPString.
_STRING_TAGS = {0x0C: "utf-8", 0x13: "ascii", 0x14: "latin-1", 0x16: "ascii", 0x1E: "utf-16-be"}


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _tlv(data, pos)
        out.append((tag, cstart, cend))
        pos = cend
    return out


def _name(data: bytes, start: int, end: int) -> str:
    """An X.501 Name (SEQUENCE OF SET OF {OID, value}) as 'CN=…, O=…, OU=…' (only these three)."""
    found: dict[str, str] = {}
    for _set_tag, s_start, s_end in _children(data, start, end):
        for _seq_tag, a_start, a_end in _children(data, s_start, s_end):
            parts = _children(data, a_start, a_end)
            if len(parts) != 2:
                continue
            (_, o_start, o_end), (v_tag, v_start, v_end) = parts
            label = _NAMES.get(data[o_start:o_end])
            codec = _STRING_TAGS.get(v_tag)
            if label and codec and label not in found:
                found[label] = data[v_start:v_end].decode(codec, "replace")
    return ", ".join(f"{k}={found[k]}" for k in ("CN", "O", "OU") if k in found)


def describe(der: bytes) -> dict[str, str] | None:
    """Issuer, subject and SHA-256 fingerprint of a DER certificate; None if it cannot be read."""
    try:
        _, c_start, c_end = _tlv(der, 0)
        tbs_tag, t_start, t_end = _children(der, c_start, c_end)[0]
        fields = _children(der, t_start, t_end)
        if fields and fields[0][0] == 0xA0:  # explicit [0] version, absent in v1 certificates
            fields = fields[1:]
        # serialNumber, signature, issuer, validity, subject
        issuer = fields[2]
        subject = fields[4]
        if tbs_tag != 0x30 or issuer[0] != 0x30 or subject[0] != 0x30:
            return None
        return {
            "issuer": _name(der, issuer[1], issuer[2]) or "(no CN/O)",
            "subject": _name(der, subject[1], subject[2]) or "(no CN/O)",
            "sha256": hashlib.sha256(der).hexdigest(),
        }
    except (IndexError, ValueError):
        return None


def peer_certificate(host: str, port: int, timeout: float) -> bytes | None:
    """The certificate `host:port` presents (DER), without trusting it; None when none could be read.

    Connects directly, not through a proxy: a transparent TLS-inspecting proxy shows its own certificate
    here, which is what we want to name.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # read only: nothing is sent over this connection
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
