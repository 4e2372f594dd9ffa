"""One typed Settings for every GOVREPORTS_* variable; read once, passed down."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVREPORTS_", env_file=".env", extra="ignore")

    es_url: str = "http://127.0.0.1:9200"
    index: str = "govreports"
    data_dir: Path = Path("./data")
    sites: Path | None = Field(default=None, description="the portal configuration file")
    # Where `govreports es start` keeps the Elasticsearch distribution, its data and logs.
    es_home: Path = Field(default_factory=lambda: Path.home() / ".cache" / "govreports" / "elasticsearch")
    es_heap: str = "1g"
    admin_token: SecretStr | None = None
    allow_private_webhooks: bool = False
    user_agent: str = "govreports/0.1 (+https://github.com/govreports/govreports; research crawler)"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
