"""The portal configuration: one `Site` per government portal, loaded from TOML or YAML.

Portals are data, not code (as in openstates/city-scrapers): a new portal is a new
`[[site]]` table in the sites file, and only portals the defaults cannot handle
need selectors or patterns. Everything is validated before any request is made.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from govreports.errors import ConfigError
from govreports.model import Level, Region


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"{value!r} is not a regular expression: {error}") from None
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Regex = Annotated[str, AfterValidator(_regex)]


class Politeness(BaseModel):
    """How a site's host is treated: requests in flight at once, and seconds at least between two.

    Sites on one host share its allowance: the host gets the strictest of their settings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(default=1, ge=1, le=8)
    # Never below the one-second floor: a site may ask to be treated more gently, not less.
    delay: float = Field(default=1.0, ge=1.0, le=600.0)


class Site(BaseModel):
    """One portal. `start_urls` may be its 年报 listing or just its home page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    region: Region = Field(default_factory=Region)
    level: Level | None = None
    start_urls: list[HttpUrl] = Field(min_length=1)
    # Hosts the crawl may fetch from; default: the start URLs' hosts without a leading "www.".
    allowed_domains: list[str] = Field(default_factory=list)
    # A portal whose 年报 column is known to be empty; otherwise zero reports is an error.
    expect_empty: bool = False
    # CSS selector of the listing's item links, where taking every link on the page is too wide.
    item_selector: str | None = None
    # Regex a listing title must match to be a report (replaces the built-in recogniser).
    title_pattern: Regex | None = None
    # Regex of titles never taken, added to the built-in exclusions.
    exclude_pattern: Regex | None = None
    # Upper bound on listing pages walked, so a pagination loop cannot run away.
    max_listing_pages: int = Field(default=200, ge=1)
    # Requests in flight and seconds between requests for this site's host (polite crawls).
    politeness: Politeness = Field(default_factory=Politeness)

    @field_validator("allowed_domains")
    @classmethod
    def _bare_hosts(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            if "/" in domain or not domain:
                raise ValueError(f"{domain!r} is not a host name")
        return domains

    def domains(self) -> list[str]:
        if self.allowed_domains:
            return list(self.allowed_domains)
        hosts = {urlsplit(url).hostname or "" for url in self.start_urls}
        return sorted(host.removeprefix("www.") for host in hosts)


_SHARD = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Shard(BaseModel):
    """Shard `index` of `count` (`--shard K/N`): a stable hash share of the sites' hosts."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=1)
    count: int = Field(ge=1)

    @model_validator(mode="after")
    def _index_within_count(self) -> Shard:
        if self.index > self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")
        return self

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` with 1 ≤ K ≤ N, else a one-line ConfigError saying so."""
        match = _SHARD.match(text)
        problem = f"--shard: expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}"
        if match is None:
            raise ConfigError(problem)
        try:
            return cls(index=int(match.group(1)), count=int(match.group(2)))
        except ValidationError:
            raise ConfigError(problem) from None

    def holds(self, host: str) -> bool:
        """Is `host` ("name:port") in this shard? The same answer on every machine and every run."""
        digest = hashlib.sha256(host.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def site_host(site: Site) -> str:
    """The host a site is fetched from, as "name:port": its first start URL's (a leading www. aside)."""
    parts = urlsplit(site.start_urls[0])
    name = (parts.hostname or "").lower().removeprefix("www.")
    return f"{name}:{parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)}"


def host_allowances(sites: Sequence[Site]) -> dict[str, Politeness]:
    """Each start host's politeness, keyed "name:port" (Scrapy's slots): the strictest of its sites'."""
    allowances: dict[str, Politeness] = {}
    for site in sites:
        for url in site.start_urls:
            parts = urlsplit(url)
            host = f"{(parts.hostname or '').lower()}:{parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)}"
            shared = allowances.get(host, site.politeness)
            allowances[host] = Politeness(
                concurrency=min(shared.concurrency, site.politeness.concurrency),
                delay=max(shared.delay, site.politeness.delay),
            )
    return allowances


def sites_in_shard(sites: Sequence[Site], shard: Shard) -> list[Site]:
    """The sites whose host falls in `shard`: N shards split the hosts with no overlap and no gap."""
    return [site for site in sites if shard.holds(site_host(site))]


def site_for_start_url(url: str) -> Site:
    """An unconfigured portal, named after its host: discovery mode."""
    try:
        checked = _http_url(url)
    except ValueError as error:
        raise ConfigError(f"--start-url: {error}") from None
    parts = urlsplit(checked)
    name = (parts.hostname or "site") + (f"-{parts.port}" if parts.port else "")
    return Site(name=name, start_urls=[checked])


def load_sites(path: Path) -> list[Site]:
    """Read and validate a sites file (`.toml`, `.yaml` or `.yml`): a list under `site`."""
    raw = _read_file(path)
    entries = raw.get("site", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'site' must be a list of tables ([[site]])")
    return parse_sites(entries, origin=str(path))


def parse_sites(entries: Sequence[Any], *, origin: str) -> list[Site]:
    sites: list[Site] = []
    for position, entry in enumerate(entries, start=1):
        label = _label(entry, position)
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{origin}: {label}: expected a table of settings")
        try:
            sites.append(Site.model_validate(dict(entry)))
        except ValidationError as error:
            raise ConfigError(f"{origin}: {label}: {_first_problem(error)}") from None
    names = [site.name for site in sites]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"{origin}: site name {duplicates[0]!r} is used more than once")
    return sites


def select_sites(sites: Sequence[Site], names: Sequence[str]) -> list[Site]:
    """The sites called `names`, in that order; an unknown name is an error naming it."""
    by_name = {site.name: site for site in sites}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ConfigError(f"unknown site {unknown[0]!r} (configured: {known})")
    return [by_name[name] for name in names]


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read sites file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".toml":
            data: object = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"{path}: a sites file must end in .toml, .yaml or .yml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'site' list")
    return data


def _label(entry: object, position: int) -> str:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"site {name!r}" if isinstance(name, str) and name else f"site #{position}"


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or "(site)"
    return f"field '{field}': {problem['msg']}"
