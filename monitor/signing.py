"""HMAC-SHA256 signatures of webhook bodies (header ``X-Govreports-Signature: sha256=<hex>``)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Govreports-Signature"


def sign(body: bytes, secret: str) -> str:
    """The header value a receiver recomputes from the exact body bytes and the shared secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, header_value: str) -> bool:
    """True when `header_value` is the signature of `body`; constant-time, for receivers and tests."""
    return hmac.compare_digest(sign(body, secret), header_value)
