"""Domain errors of the monitor, each one clear line for a user."""

from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import ApiError

from govreports.errors import GovreportsError
from govreports.es_client import unavailable_as_domain_error


class InvalidDuration(GovreportsError):
    """A schedule like ``--every 6h`` could not be read."""


class InvalidWebhookUrl(GovreportsError):
    """A webhook URL is malformed, not http(s), or points at a refused address."""


class UnknownSubscription(GovreportsError):
    """No subscription has the given id."""


class MonitorIndexRefused(GovreportsError):
    """Elasticsearch answered but refused a monitor request (a wrong or foreign index)."""


@contextmanager
def elasticsearch_errors(url: str) -> Iterator[None]:
    """Any Elasticsearch failure as one domain error: unreachable, or the request refused."""
    try:
        with unavailable_as_domain_error(url):
            yield
    except ApiError as error:
        raise MonitorIndexRefused(f"Elasticsearch refused a monitoring request: {error}") from error
