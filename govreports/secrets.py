"""Webhook secrets at rest: sealed with Fernet under the keys of GOVREPORTS_SECRET_KEYS.

The first key seals; every key opens (a `MultiFernet`), so rotating means putting a new key
first and keeping the old ones until every stored secret was resealed under the new one.
A sealed secret is stored as ``fernet:<token>``; a stored secret without that prefix was
written before secrets were sealed, and is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from govreports.errors import ConfigError, GovreportsError
from govreports.settings import Settings

SEALED_PREFIX = "fernet:"
MAKE_A_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretUnavailable(GovreportsError):
    """A webhook secret cannot be sealed or opened with the configured keys."""


class SecretKeysMissing(SecretUnavailable):
    """GOVREPORTS_SECRET_KEYS is empty, and a secret must be sealed or opened."""


class SecretUnreadable(SecretUnavailable):
    """No key of GOVREPORTS_SECRET_KEYS opens a sealed secret (the key that sealed it was removed)."""


@dataclass(frozen=True)
class SecretBox:
    """The configured keys: `first` seals, `every` opens."""

    first: Fernet
    every: MultiFernet

    def seal(self, plain: str) -> str:
        return SEALED_PREFIX + self.every.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The plain secret of a stored one (sealed, or plain text from before sealing)."""
        if not is_sealed(stored):
            return stored
        try:
            return self.every.decrypt(_token(stored)).decode("utf-8")
        except InvalidToken as error:
            raise SecretUnreadable(
                "no key of GOVREPORTS_SECRET_KEYS opens this webhook secret (was its sealing key removed?)"
            ) from error

    def resealed(self, stored: str) -> str | None:
        """The stored form under the first key when `stored` is plain text or sealed under another
        key; None when it is already sealed under the first key."""
        if not is_sealed(stored):
            return self.seal(stored)
        try:
            self.first.decrypt(_token(stored))
        except InvalidToken:
            return self.seal(self.open(stored))
        return None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def _token(stored: str) -> bytes:
    return stored.removeprefix(SEALED_PREFIX).encode("ascii")


def secret_box(settings: Settings) -> SecretBox | None:
    """The keys of GOVREPORTS_SECRET_KEYS, None when there are none."""
    if not settings.secret_keys:
        return None
    keys = [_fernet(number, key.get_secret_value()) for number, key in enumerate(settings.secret_keys, 1)]
    return SecretBox(first=keys[0], every=MultiFernet(keys))


def _fernet(number: int, key: str) -> Fernet:
    try:
        return Fernet(key)
    except ValueError:  # the key is never part of the message, nor of a chained one
        raise ConfigError(
            f"GOVREPORTS_SECRET_KEYS: key {number} is not a Fernet key (32 bytes, url-safe base64); "
            f"make one with: {MAKE_A_KEY}"
        ) from None


def seal_secret(plain: str, box: SecretBox | None) -> str:
    """The stored form of a new secret; refused when no key is configured."""
    if box is None:
        raise SecretKeysMissing(
            "webhook secrets are disabled: the server has no GOVREPORTS_SECRET_KEYS to encrypt them with"
        )
    return box.seal(plain)


def open_secret(stored: str, box: SecretBox | None) -> str:
    """The plain secret of a stored one; a sealed one needs the keys."""
    if box is None:
        if is_sealed(stored):
            raise SecretKeysMissing(
                "the webhook secret is sealed: set GOVREPORTS_SECRET_KEYS to sign with it"
            )
        return stored
    return box.open(stored)
