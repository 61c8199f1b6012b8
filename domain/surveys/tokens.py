"""One-time survey link tokens.

A token is 128 bits: the first 16 bytes of HMAC-SHA256(survey token key, the invitation's
random 32-byte salt), written in base32 (26 characters, case-insensitive, safe in a URL and
readable aloud or from paper). Only its SHA-256 is stored, to find the invitation; the salt
lets the service derive the same token again for a reminder or a printed sheet while the
campaign is open, and is erased when it closes, after which no one can make the link again.
The database alone therefore holds nothing that opens a survey.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_BYTES = 16
TOKEN_LENGTH = 26  # base32 of 16 bytes, without padding
SALT_BYTES = 32
# Characters a person might misread on paper or type for the base32 ones they meant.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive(key: str, salt: bytes) -> str:
    """The token for an invitation's salt, lower case as it appears in links."""
    digest = hmac.new(key.encode(), salt, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def normalise(raw: str | None) -> str | None:
    """A token as typed or copied (any case, with spaces or dashes, 0/1/8 for O/I/B) in its
    canonical form, or None when it cannot be a token at all."""
    if not raw or len(raw) > 80:
        return None
    cleaned = "".join(ch for ch in raw if ch not in " -\t\n\r").upper().translate(_LOOKALIKES)
    if len(cleaned) != TOKEN_LENGTH or not set(cleaned) <= _ALPHABET:
        return None
    return cleaned.lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def printed(token: str) -> str:
    """The token as printed for a child or family to type: upper case in groups of four."""
    upper = token.upper()
    return "-".join(upper[i : i + 4] for i in range(0, len(upper), 4))


def hash_submission(submission_id: str) -> str:
    return hashlib.sha256(submission_id.encode()).hexdigest()
