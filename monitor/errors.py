"""Domain errors of the monitor, each one clear line for a user."""

from govreports.errors import GovreportsError


class InvalidDuration(GovreportsError):
    """A schedule like ``--every 6h`` could not be read."""


class InvalidWebhookUrl(GovreportsError):
    """A webhook URL is malformed, not http(s), or points at a refused address."""


class UnknownSubscription(GovreportsError):
    """No subscription has the given id."""
