"""Property-based requests from the API's own OpenAPI document, against the live ASGI app and a real index.

Every generated request must get an answer that is not a server error, whose
status, content type and body are the ones the document declares.

`positive_data_acceptance` is left out on purpose: some limits span two
parameters (year_from ≤ year_to, min_x ≤ max_x, page × size ≤ 10000), which
OpenAPI cannot state, so a request valid for the schema may rightly get a 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from elasticsearch import Elasticsearch
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from govreports.es_client import delete_prefixed
from govreports.settings import Settings
from search_api.app import create_app
from search_api.testing import index_corpus, synthetic_corpus

pytestmark = [pytest.mark.es, pytest.mark.slow]

MAX_EXAMPLES = 60


# Loaded when the module is collected (the schema decides which tests exist); reading
# /openapi.json does not touch Elasticsearch, and the corpus is indexed before any test runs.
INDEX = f"test-{uuid.uuid4().hex}"
APP = create_app(Settings().model_copy(update={"index": INDEX}))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def corpus(es_client: Elasticsearch) -> Iterator[None]:
    index_corpus(es_client, INDEX, synthetic_corpus(seed=5, offices=8))
    yield
    delete_prefixed(es_client, INDEX)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_breaks_the_api(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(
        checks=[
            schemathesis.checks.not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
