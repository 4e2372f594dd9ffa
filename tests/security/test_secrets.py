"""Elasticsearch credentials: the client sends them, nothing shows them.

The shared node runs with security off, so a small threaded proxy on 127.0.0.1 stands in for a
node with security on: it answers 401 to any request without the expected Authorization header
and forwards the others to the real node. Credentials come from GOVREPORTS_ES_USERNAME and
_PASSWORD, GOVREPORTS_ES_API_KEY, or `user:password@` in GOVREPORTS_ES_URL; no answer of the API
or the page, no log line, no stored error and not `serve`'s first line may hold them, and no
public answer names the node.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
from elasticsearch import Elasticsearch
from pydantic import SecretStr

from crawler.sites import Site
from govreports.errors import ConfigError, ElasticsearchUnavailable
from govreports.es_client import build_client, ensure_reachable
from govreports.redaction import PUBLIC_UNAVAILABLE, redactor, without_credentials
from govreports.settings import Settings
from monitor.clock import utc_now
from monitor.indices import MonitorIndices, ensure_indices
from monitor.runs import save_run, start_run
from monitor.watch import StopSignal, run_cycle
from search_api.app import create_app
from search_api.testing import in_process, index_corpus, synthetic_corpus

pytestmark = pytest.mark.es
GOVREPORTS = str(Path(sys.executable).with_name("govreports"))
USER, PASSWORD = "reader", "pw-Proxy-7f3a9c"
API_KEY = "QXBpS2V5LXNlY3JldC00ZTljMmQ="
# In the URL the password is percent-encoded; the client decodes it before sending it.
URL_USER, URL_PASSWORD, URL_PASSWORD_ENCODED = "urluser", "url-pw!2b8d61", "url-pw%212b8d61"
ADMIN_TOKEN = "t0ken-for-tests"
REPORT_ID = "0" * 40


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


# Every form in which a credential could leak: as configured, decoded, and as the header sends it.
SECRETS = (
    PASSWORD,
    API_KEY,
    URL_PASSWORD,
    URL_PASSWORD_ENCODED,
    basic(USER, PASSWORD),
    basic(URL_USER, URL_PASSWORD),
)


ES_JSON = {"Content-Type": "application/json", "X-Elastic-Product": "Elasticsearch"}
REFUSAL = b'{"error":{"type":"security_exception","reason":"missing credentials"},"status":401}'


class CheckingProxy:
    """A node with security on, as far as a client can tell: 401 without the right credentials."""

    def __init__(self, upstream: str) -> None:
        self.accepted = {
            f"Basic {basic(USER, PASSWORD)}",
            f"Basic {basic(URL_USER, URL_PASSWORD)}",
            f"ApiKey {API_KEY}",
        }
        self.authorized = 0
        self.refused = 0
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with_credentials(self) -> str:
        return f"http://{URL_USER}:{URL_PASSWORD_ENCODED}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Close the port: from now on connections are refused."""
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") not in proxy.accepted:
                    proxy.refused += 1
                    self.answer(401, ES_JSON, REFUSAL)
                    return
                proxy.authorized += 1
                headers = {
                    name: value for name in ("Content-Type", "Accept") if (value := self.headers.get(name))
                }
                upstream = proxy.upstream.request(self.command, self.path, content=body, headers=headers)
                kept = {
                    name: upstream.headers[name]
                    for name in ("Content-Type", "X-Elastic-Product")
                    if name in upstream.headers
                }
                self.answer(upstream.status_code, kept, upstream.content)

            def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self.forward()

            def do_HEAD(self) -> None:
                self.forward()

            def do_POST(self) -> None:
                self.forward()

            def do_PUT(self) -> None:
                self.forward()

            def do_DELETE(self) -> None:
                self.forward()

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet test output

        return Handler


@pytest.fixture
def proxy(es_session_settings: Settings) -> Iterator[CheckingProxy]:
    running = CheckingProxy(es_session_settings.es_url)
    yield running
    running.stop()
    running.upstream.close()


@pytest.fixture
def corpus(es_client: Elasticsearch, es_settings: Settings) -> int:
    reports = synthetic_corpus(seed=8, offices=3)
    index_corpus(es_client, es_settings.index, reports)
    return len(reports)


def credentials(way: str, proxy: CheckingProxy) -> dict[str, Any]:
    if way == "user and password":
        return {"es_url": proxy.url, "es_username": SecretStr(USER), "es_password": SecretStr(PASSWORD)}
    if way == "API key":
        return {"es_url": proxy.url, "es_api_key": SecretStr(API_KEY)}
    return {"es_url": proxy.url_with_credentials()}


WAYS = ["user and password", "API key", "in the URL"]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured record as a handler prints it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {text[:300]!r}"


@pytest.mark.parametrize("way", WAYS)
def test_search_works_through_a_node_that_checks_credentials(
    way: str, proxy: CheckingProxy, es_settings: Settings, corpus: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = es_settings.model_copy(update=credentials(way, proxy))
    with in_process(create_app(settings)) as api:
        search, page, watch, health = (
            api.get(path) for path in ("/api/search", "/", "/api/watch", "/healthz")
        )

    assert [search.status_code, page.status_code, watch.status_code, health.status_code] == [200] * 4
    assert search.json()["total"] == corpus
    assert health.json()["elasticsearch"]["documents"] == corpus
    assert proxy.authorized > 0 and proxy.refused == 0
    assert_no_secret(search.text, page.text, watch.text, health.text, *logged(caplog))


def test_the_proxy_refuses_a_client_without_credentials(
    proxy: CheckingProxy, es_settings: Settings, corpus: int
) -> None:
    with in_process(create_app(es_settings.model_copy(update={"es_url": proxy.url}))) as api:
        assert api.get("/api/search").status_code == 502
    assert proxy.refused > 0 and proxy.authorized == 0


@pytest.mark.parametrize("way", WAYS)
def test_while_the_node_is_down_no_answer_names_it_or_its_credentials(
    way: str, proxy: CheckingProxy, es_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    update = {**credentials(way, proxy), "admin_token": SecretStr(ADMIN_TOKEN)}
    proxy.stop()
    with in_process(create_app(es_settings.model_copy(update=update))) as api:
        json_answers = [
            api.get(path)
            for path in ("/api/search?q=公开", "/api/stats", f"/api/reports/{REPORT_ID}", "/api/watch")
        ]
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        json_answers.append(api.portal.call(lambda: api.client.get("/api/subscriptions", headers=admin)))
        pages = [api.get("/"), api.get(f"/reports/{REPORT_ID}")]
        health = api.get("/healthz")

    for answer in json_answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == PUBLIC_UNAVAILABLE
    for page in pages:
        assert page.status_code == 503 and PUBLIC_UNAVAILABLE in page.text
    assert health.status_code == 503 and health.json()["elasticsearch"]["reachable"] is False
    answers = [answer.text for answer in [*json_answers, *pages, health]]
    assert_no_secret(*answers, *logged(caplog))
    assert not [answer for answer in answers if f"127.0.0.1:{proxy.port}" in answer]
    # The operator learns from the log which node did not answer.
    assert any(f"Elasticsearch at {proxy.url} does not answer" in line for line in logged(caplog))


def test_watch_errors_are_stored_and_served_without_credentials(
    proxy: CheckingProxy, es_settings: Settings, es_client: Elasticsearch, caplog: pytest.LogCaptureFixture
) -> None:
    # INFO, not DEBUG: the client's DEBUG lines dump the bodies Elasticsearch answers, and the run
    # stored below by an earlier version holds the credentials until /api/watch redacts it.
    caplog.set_level(logging.INFO)
    settings = es_settings.model_copy(update=credentials("in the URL", proxy))
    client = build_client(settings)
    indices = MonitorIndices(settings.index)
    ensure_indices(client, indices)
    # A run an earlier version stored, its error naming the node as configured.
    earlier = start_run("20240101T000000000000-earlier0", "earlier", utc_now())
    earlier.status, earlier.finished_at = "failed", utc_now()
    earlier.error = f"ElasticsearchUnavailable: Elasticsearch does not answer at {settings.es_url} (refused)"
    save_run(client, indices, earlier)

    def crawl_failing_with_the_url(crawl_settings: Settings, site: Site, _: Elasticsearch) -> Any:
        raise RuntimeError(f"bulk write to {crawl_settings.es_url} refused")

    site = Site(name="portal", start_urls=["http://127.0.0.1:9/"])
    outcome = run_cycle(client, settings, [site], crawl=crawl_failing_with_the_url, stop=StopSignal())
    client.close()

    [run] = outcome.runs
    stored = es_client.get(index=indices.watch, id=run.id)["_source"]["error"]
    assert stored == f"RuntimeError: bulk write to {proxy.url} refused"
    with in_process(create_app(settings)) as api:
        served = api.get("/api/watch")
    assert served.status_code == 200
    errors = [site_run["error"] for cycle in served.json()["cycles"] for site_run in cycle["sites"]]
    assert sorted(errors) == [
        "ElasticsearchUnavailable: Elasticsearch does not answer at [search backend] (refused)",
        "RuntimeError: bulk write to [search backend] refused",
    ]
    assert_no_secret(stored, served.text, *logged(caplog))


def test_operator_messages_name_the_node_without_its_credentials(free_port: int) -> None:
    url = f"http://{URL_USER}:{URL_PASSWORD_ENCODED}@127.0.0.1:{free_port}"
    with pytest.raises(ElasticsearchUnavailable) as raised:
        ensure_reachable(build_client(Settings(es_url=url)), url)
    assert f"does not answer at http://127.0.0.1:{free_port} " in str(raised.value)
    assert_no_secret(str(raised.value))


def test_serve_prints_the_node_without_its_credentials(
    proxy: CheckingProxy, es_settings: Settings, corpus: int, free_port: int
) -> None:
    env = {
        **os.environ,
        "GOVREPORTS_ES_URL": proxy.url_with_credentials(),
        "GOVREPORTS_INDEX": es_settings.index,
    }
    server = subprocess.Popen(
        [GOVREPORTS, "serve", "--port", str(free_port), "--access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        search = None
        deadline = time.monotonic() + 60
        while search is None and time.monotonic() < deadline and server.poll() is None:
            try:
                search = httpx.get(f"http://127.0.0.1:{free_port}/api/search", timeout=10)
            except httpx.TransportError:
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert search is not None and search.json()["total"] == corpus, output
    first_line = output.splitlines()[0]
    assert first_line == f"serving http://127.0.0.1:{free_port}/ (index {es_settings.index!r} at {proxy.url})"
    assert_no_secret(output)


def test_every_node_of_a_list_is_redacted() -> None:
    settings = Settings(
        es_url="https://a:pa55-one@es1.internal:9200, https://b:pa%2355-two@es2.internal:9243/prefix",
        es_username=SecretStr(USER),
        es_password=SecretStr(PASSWORD),
    )
    text = (
        f"tried {settings.es_url}; es2.internal:9243 said 503; password pa#55-two, {PASSWORD}, "
        f"header Basic {basic('b', 'pa#55-two')}"
    )
    redaction = redactor(settings)
    for secret in ("pa55-one", "pa#55-two", "pa%2355-two", PASSWORD, basic("b", "pa#55-two")):
        assert secret not in redaction.redact(text) and secret not in redaction.public(text)
    assert redaction.redact(text).startswith("tried https://es1.internal:9200, https://es2.internal:9243/prefix;")
    assert "es1.internal" not in redaction.public(text) and "es2.internal" not in redaction.public(text)
    assert (
        without_credentials(settings.es_url) == "https://es1.internal:9200, https://es2.internal:9243/prefix"
    )


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"es_username": SecretStr(USER)}, "set together"),
        (
            {"es_api_key": SecretStr(API_KEY), "es_username": SecretStr(USER), "es_password": SecretStr("x")},
            "not both",
        ),
        ({"es_ca_certs": Path(certifi.where())}, "must be https"),
    ],
)
def test_settings_that_do_not_fit_together_are_one_clear_error(update: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        build_client(Settings(es_url="http://127.0.0.1:9").model_copy(update=update))
    assert_no_secret(str(raised.value))


def test_an_https_node_is_checked_with_the_configured_ca_bundle() -> None:
    client = build_client(Settings(es_url="https://127.0.0.1:9", es_ca_certs=Path(certifi.where())))
    [node] = client.transport.node_pool.all()
    assert node.config.ca_certs == certifi.where()
