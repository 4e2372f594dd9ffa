"""Elasticsearch credentials kept out of every text a person, a log or an index can see.

Credentials reach the settings two ways: the GOVREPORTS_ES_USERNAME/_PASSWORD/_API_KEY
variables, and `user:password@` inside a node URL of GOVREPORTS_ES_URL. Operators see node
addresses without their credentials; anonymous users see no address at all.
GOVREPORTS_ES_URL is read as a comma-separated list of node URLs (one today), so each node's
credentials and address are known here whatever the client makes of the list.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from govreports.settings import Settings

REDACTED = "***"
# What a public answer says in place of a node's address, and when no node answers.
BACKEND = "[search backend]"
PUBLIC_UNAVAILABLE = "the search backend is unavailable"


def node_urls(es_url: str) -> list[str]:
    """Each node URL of GOVREPORTS_ES_URL."""
    return [node.strip() for node in es_url.split(",") if node.strip()]


def without_credentials(es_url: str) -> str:
    """The node URLs as an operator may see them: `user:password@` dropped from each."""
    return ", ".join(_node_address(node) for node in node_urls(es_url))


def _userinfo(node: str) -> str:
    """The `user:password` of a node URL, "" when it has none."""
    userinfo, at, _ = urlsplit(node).netloc.rpartition("@")
    return userinfo if at else ""


def _node_address(node: str) -> str:
    userinfo = _userinfo(node)
    return node.replace(f"{userinfo}@", "", 1) if userinfo else node


def _basic_token(user: str, password: str) -> str:
    """The `Authorization: Basic` value the client sends for this user and password."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _secrets_of_node(node: str) -> list[str]:
    userinfo = _userinfo(node)
    if not userinfo:
        return []
    user, _, password = userinfo.partition(":")
    decoded_user, decoded_password = unquote(user), unquote(password)
    return [userinfo, password, decoded_password, _basic_token(decoded_user, decoded_password)]


def _secrets_of_settings(settings: Settings) -> list[str]:
    secrets = [secret.get_secret_value() for secret in (settings.es_password, settings.es_api_key) if secret]
    if settings.es_username and settings.es_password:
        user, password = settings.es_username.get_secret_value(), settings.es_password.get_secret_value()
        secrets.append(_basic_token(user, password))
    return secrets


def _addresses_of_node(node: str) -> list[str]:
    """The ways a message may spell a node's address: as configured, without credentials, host:port."""
    address = _node_address(node)
    return [node, address, address.rstrip("/"), urlsplit(address).netloc]


@dataclass(frozen=True)
class Replacements:
    """Texts and what each becomes, replaced in one pass, longest first (so a node URL goes whole
    before the password inside it is looked for)."""

    by_text: dict[str, str]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, by_text: dict[str, str]) -> Replacements:
        texts = sorted((text for text in by_text if text), key=len, reverse=True)
        return cls(by_text, re.compile("|".join(map(re.escape, texts))) if texts else None)

    def apply(self, text: str) -> str:
        return self.pattern.sub(lambda found: self.by_text[found.group(0)], text) if self.pattern else text


@dataclass(frozen=True)
class Redactor:
    """The credentials (and node addresses) of one set of settings, and what replaces them."""

    for_operators: Replacements
    for_public: Replacements

    def redact(self, text: str) -> str:
        """For operators, logs and stored errors: each node named without its credentials."""
        return self.for_operators.apply(text)

    def public(self, text: str) -> str:
        """For anonymous users: no credentials and no node address."""
        return self.for_public.apply(text)


def redactor(settings: Settings) -> Redactor:
    nodes = node_urls(settings.es_url)
    hidden = dict.fromkeys(
        _secrets_of_settings(settings) + [secret for node in nodes for secret in _secrets_of_node(node)],
        REDACTED,
    )
    with_credentials = [node for node in nodes if _userinfo(node)]
    named = {node: _node_address(node) for node in with_credentials} | {
        node.rstrip("/"): _node_address(node).rstrip("/") for node in with_credentials
    }
    anonymous = dict.fromkeys([address for node in nodes for address in _addresses_of_node(node)], BACKEND)
    return Redactor(Replacements.of(hidden | named), Replacements.of(hidden | anonymous))
