from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from ideas_scoring import Scorer, ScoringWeights
from ideas_sources import JsonFeedSource

from ideas_web import create_app

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
FEED_URL = "https://feed.test/api/ideas"
Handler = Callable[[httpx.Request], httpx.Response]


def clock() -> datetime:
    return NOW


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def scorer() -> Scorer:
    weights = ScoringWeights(freshness=1, length=0, tags=0, half_life_hours=24)
    return Scorer(weights, clock=clock)


@pytest.fixture
def client(scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(scorer=scorer, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def app_with_feed(scorer: Scorer) -> Iterator[Callable[[Handler], TestClient]]:
    """Build an app whose only source is a JSON feed answered by ``handler``."""
    opened: list[tuple[httpx.Client, TestClient]] = []

    def factory(handler: Handler) -> TestClient:
        http = httpx.Client(transport=httpx.MockTransport(handler))
        app = create_app(
            sources=[JsonFeedSource(http, FEED_URL, name="feed")],
            scorer=scorer,
            clock=clock,
        )
        test_client = TestClient(app)
        opened.append((http, test_client))
        return test_client

    yield factory
    for http, test_client in opened:
        test_client.close()
        http.close()
