"""HTTP Signatures as the fediverse signs requests (draft-cavage-http-signatures, the
flavour Mastodon, Mobilizon and Gancio speak): RSA-SHA256 over ``(request-target) host date
digest``. The only module that uses the cryptography library."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNED = ("(request-target)", "host", "date", "digest")
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def new_key() -> tuple[str, str]:
    """A new RSA key pair, PEM (private PKCS#8, public SubjectPublicKeyInfo)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signing_string(names: list[str], method: str, target: str, headers) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def sign(private_pem: str, key_id: str, url: str, body: bytes, now: dt.datetime) -> dict[str, str]:
    """The headers that sign a POST of ``body`` to ``url``."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc, "date": format_datetime(now.astimezone(dt.timezone.utc), usegmt=True),
               "digest": digest(body)}
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signature = key.sign(_signing_string(list(SIGNED), "post", target, headers).encode(), padding.PKCS1v15(),
                         hashes.SHA256())
    headers["signature"] = (f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(SIGNED)}",'
                            f'signature="{base64.b64encode(signature).decode()}"')
    return {"Host": headers["host"], "Date": headers["date"], "Digest": headers["digest"],
            "Signature": headers["signature"]}


class BadSignature(ValueError):
    """Why a request's signature is not taken (in English: for the log and the answer)."""


def key_id_of(header: str | None) -> tuple[str, dict]:
    """The keyId a Signature header names, and its parameters. Raises BadSignature."""
    params = dict(_PARAM.findall(header or ""))
    if not params.get("keyId") or not params.get("signature"):
        raise BadSignature("no Signature header, or one without keyId and signature")
    return params["keyId"], params


def verify(public_pem: str, params: dict, method: str, target: str, headers, body: bytes, now: dt.datetime,
           max_age: float) -> None:
    """Check a request's signature with the key it names; raises BadSignature. ``headers``
    is looked up without regard to case (Werkzeug's Headers)."""
    names = params.get("headers", "date").lower().split()
    if params.get("algorithm", "rsa-sha256").lower() not in ("rsa-sha256", "hs2019"):
        raise BadSignature(f"unsupported algorithm {params.get('algorithm')}")
    required = {"(request-target)", "host", "date"} | ({"digest"} if method.upper() == "POST" else set())
    if not required <= set(names):
        raise BadSignature("the signature must cover " + ", ".join(sorted(required)))
    missing = [n for n in names if n != "(request-target)" and headers.get(n) is None]
    if missing:
        raise BadSignature(f"signed headers missing from the request: {', '.join(missing)}")
    try:
        sent = parsedate_to_datetime(headers.get("date"))
    except (TypeError, ValueError):
        raise BadSignature("the Date header is not a date") from None
    if sent.tzinfo is None or abs((now - sent).total_seconds()) > max_age:
        raise BadSignature("the Date header is too far from the hub's clock")
    if method.upper() == "POST" and headers.get("digest") != digest(body) and \
            headers.get("digest", "").replace("sha-256=", "SHA-256=", 1) != digest(body):
        raise BadSignature("the Digest header does not match the body")
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        key.verify(base64.b64decode(params["signature"]), _signing_string(names, method, target, headers).encode(),
                   padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError) as e:
        raise BadSignature("the signature does not verify with the key it names") from e
