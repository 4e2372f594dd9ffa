"""One typed Settings for every GOVREPORTS_* variable; read once, passed down."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVREPORTS_", env_file=".env", extra="ignore")

    es_url: str = "http://127.0.0.1:9200"
    index: str = "govreports"
    data_dir: Path = Path("./data")
    sites: Path | None = Field(default=None, description="the portal configuration file")
    # Where `govreports es start` keeps the Elasticsearch distribution, its data and logs.
    es_home: Path = Field(default_factory=lambda: Path.home() / ".cache" / "govreports" / "elasticsearch")
    es_heap: str = "1g"
    # Credentials for a cluster with security on (docs/security.md, "Secrets"): either a user and
    # password or an API key (the encoded form Elasticsearch answers with), never printed.
    es_username: SecretStr | None = None
    es_password: SecretStr | None = None
    es_api_key: SecretStr | None = None
    es_ca_certs: Path | None = Field(default=None, description="the CA bundle checking an https cluster")
    # Every index govreports creates or rebuilds (README, "Running at scale"); replicas unset:
    # auto_expand_replicas "0-1", one copy more as soon as a second node is there.
    index_shards: int = Field(1, ge=1, description="primary shards of each index created")
    index_replicas: int | None = Field(None, ge=0, description="replicas of each index created")
    admin_token: SecretStr | None = None
    allow_private_webhooks: bool = False
    # Webhook deliveries (docs/security.md, "Webhooks and feeds"): one deadline for a whole POST,
    # and how much of a receiver's answer is ever read.
    webhook_deadline: float = Field(30.0, gt=0, description="seconds for one webhook POST, start to end")
    webhook_max_response_bytes: int = Field(65536, ge=0, description="bytes of a receiver's answer read")
    # Fernet keys sealing webhook secrets at rest, comma-separated: the first seals, any opens.
    secret_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    user_agent: str = "govreports/0.1 (+https://github.com/govreports/govreports; research crawler)"
    # The public surface of `serve` (docs/security.md, "Public surface").
    public_url: str = Field("http://127.0.0.1:8000", description="the site's address for absolute links")
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list, description="peers whose X-Forwarded-For names the client"
    )
    rate_limit: int = Field(0, ge=0, description="requests per minute per client address; 0: no limit")
    rate_limit_burst: int = Field(30, ge=1, description="requests a client may make at once")
    max_exports: int = Field(4, ge=1, description="CSV exports streamed at the same time")
    max_office_stats: int = Field(4, ge=1, description="/api/stats?group_by=office walks at the same time")
    # Limits per document (docs/security.md, "Limits per document and stopped crawls"): a base
    # plus so much per page, for the wall clock and the resident memory of the parsing worker.
    # Scanned pages and pictures read by OCR: every number exact or null with a warning, never
    # another (README, "Scans and pictures (OCR)").
    ocr: bool = True
    parse_timeout: float = Field(60.0, gt=0, description="seconds to parse one document, before pages")
    parse_timeout_per_page: float = Field(5.0, ge=0, description="seconds more per page")
    parse_memory: int = Field(1024, gt=0, description="MB resident while parsing one document")
    parse_memory_per_page: int = Field(4, ge=0, description="MB more per page")
    crawl_timeout: float = Field(14400.0, gt=0, description="seconds for a whole crawl (fetch and import)")
    watch_cycle_timeout: float = Field(43200.0, gt=0, description="seconds for one watch cycle")
    crawl_body_memory: int = Field(2048, gt=0, description="MB of response bodies a crawl holds at once")
    crawl_concurrency: int = Field(256, ge=1, description="requests in flight at once across all hosts")
    crawl_recheck_hours: float = Field(0.0, ge=0, description="hours a checked report is not asked for again")
    # The audit across the years (docs/audit.md).
    audit_offices: Path | None = Field(None, description="offices.toml: printed names merged or split")
    audit_deadlines: Path | None = Field(None, description="local publication deadlines (TOML)")
    audit_other_deadline: str = Field(
        "03-31", pattern=r"^\d\d-\d\d$", description="deadline (MM-DD) of townships, zones, branches"
    )
    audit_missing_grace_days: int = Field(30, ge=0, description="days after a deadline before `missing`")
    audit_copied_threshold: float = Field(0.5, gt=0, le=1, description="narrative share flagging a copy")
    audit_boilerplate_share: float = Field(0.2, gt=0, le=1, description="report share: boilerplate")
    audit_boilerplate_min_reports: int = Field(50, ge=2, description="reports: boilerplate at least")
    index_audit_first_at: int = Field(
        5000, ge=1, description="documents in an index run from which it is audited before it writes"
    )

    @field_validator("public_url")
    @classmethod
    def _public_url_is_a_site(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"not an http(s) site address without query or fragment: {value!r}")
        return value.rstrip("/")

    @field_validator("trusted_proxies", "secret_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # The variable is "10.0.0.2, 172.18.0.0/16": addresses and networks, comma-separated.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
