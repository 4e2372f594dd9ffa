"""Domain errors: each becomes one clear line for a user, never a traceback."""


class GovreportsError(Exception):
    """Base of every error a user can cause or fix (bad input, missing tool, service down)."""


class ExtractionError(GovreportsError):
    """A document's bytes could not be turned into text (corrupt, encrypted, unsupported)."""


class ElasticsearchUnavailable(GovreportsError):
    """The configured Elasticsearch does not answer."""


class ConfigError(GovreportsError):
    """A configuration file or setting is invalid."""
