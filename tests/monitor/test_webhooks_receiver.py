"""The webhook receiver the delivery tests use (tests/webhook_receiver.py) works as they assume."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


def test_receiver_records_posts(receiver: Receiver) -> None:
    response = httpx.post(receiver.url, json={"event": "new"}, headers={"X-Test": "1"})
    assert response.status_code == 204
    assert receiver.events() == [{"event": "new"}]
    assert receiver.posts[0].headers["X-Test"] == "1"


def test_receiver_can_fail_and_go_down_and_come_back(receiver: Receiver) -> None:
    receiver.status = 500
    assert httpx.post(receiver.url, json={}).status_code == 500
    receiver.down()
    with pytest.raises(httpx.ConnectError):
        httpx.post(receiver.url, json={})
    receiver.status = 200
    receiver.up()
    assert httpx.post(receiver.url, json={"event": "x"}).status_code == 200
    assert receiver.events() == [{"event": "x"}]
