import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from ideas_sources import JsonFeedSource, SourceError

URL = "https://feed.test/api/ideas"
ClientFactory = Callable[[Callable[[httpx.Request], httpx.Response]], httpx.Client]


def pages(*payloads: object) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=payloads[page - 1])

    return handler


def test_reads_items_into_ideas(make_client: ClientFactory) -> None:
    item = {
        "id": 7,
        "title": "Async Python tips",
        "body": "Use TaskGroup.",
        "url": "https://blog.test/async",
        "tags": ["Python", "async"],
        "published": "2024-03-01T09:00:00+00:00",
    }
    source = JsonFeedSource(
        make_client(pages({"items": [item], "next_page": None})), URL
    )
    [idea] = source.fetch()
    assert idea.id == "json:7"
    assert idea.source == "json"
    assert idea.tags == {"python", "async"}
    assert idea.created_at == datetime(2024, 3, 1, 9, tzinfo=UTC)


def test_follows_pagination(make_client: ClientFactory) -> None:
    handler = pages(
        {"items": [{"id": 1, "title": "One"}], "next_page": 2},
        {"items": [{"id": 2, "title": "Two"}], "next_page": 3},
        {"items": [{"id": 3, "title": "Three"}]},
    )
    ideas = JsonFeedSource(make_client(handler), URL).fetch()
    assert [i.title for i in ideas] == ["One", "Two", "Three"]


def test_stops_at_max_pages(make_client: ClientFactory) -> None:
    requested: list[str] = []

    def endless(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        requested.append(str(page))
        return httpx.Response(
            200, json={"items": [{"title": f"P{page}"}], "next_page": page + 1}
        )

    ideas = JsonFeedSource(make_client(endless), URL, max_pages=3).fetch()
    assert requested == ["1", "2", "3"]
    assert len(ideas) == 3


def test_pagination_loop_is_an_error(make_client: ClientFactory) -> None:
    handler = pages({"items": [], "next_page": 2}, {"items": [], "next_page": 1})
    with pytest.raises(SourceError, match="loops back to page 1"):
        JsonFeedSource(make_client(handler), URL).fetch()


def test_http_error_raises_source_error(make_client: ClientFactory) -> None:
    source = JsonFeedSource(make_client(lambda r: httpx.Response(503)), URL, name="api")
    with pytest.raises(SourceError, match="api: HTTP 503") as info:
        source.fetch()
    assert info.value.source == "api"


def test_transport_error_raises_source_error(make_client: ClientFactory) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SourceError, match=r"request to .* failed"):
        JsonFeedSource(make_client(fail), URL).fetch()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>oops</html>"), "not valid JSON"),
        (httpx.Response(200, json=[1, 2]), "no 'items' list"),
        (httpx.Response(200, json={"items": "nope"}), "no 'items' list"),
        (
            httpx.Response(200, json={"items": [], "next_page": "2"}),
            "next_page must be",
        ),
    ],
)
def test_malformed_payload_raises(
    make_client: ClientFactory, response: httpx.Response, message: str
) -> None:
    with pytest.raises(SourceError, match=message):
        JsonFeedSource(make_client(lambda r: response), URL).fetch()


def test_malformed_items_are_skipped_and_logged(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    items = [
        {"title": "Good"},
        {"body": "no title"},
        {"title": ""},
        "not an object",
        {"title": "Bad date", "published": "yesterday"},
        {"title": "Bad url", "url": "mailto:x@y"},
        {"title": "Tags as text", "tags": "python"},
        {"title": "Bad tag", "tags": ["two words"]},
    ]
    with caplog.at_level(logging.WARNING):
        ideas = JsonFeedSource(make_client(pages({"items": items})), URL).fetch()
    assert [i.title for i in ideas] == ["Good"]
    assert caplog.text.count("skipping malformed item") == 7


def test_item_without_id_gets_stable_hash_id(make_client: ClientFactory) -> None:
    handler = pages({"items": [{"title": "Same"}]})
    first = JsonFeedSource(make_client(handler), URL).fetch()[0]
    second = JsonFeedSource(make_client(handler), URL).fetch()[0]
    assert first.id == second.id
    assert first.id.startswith("json:") and len(first.id) == len("json:") + 12


def test_max_pages_must_be_positive(make_client: ClientFactory) -> None:
    with pytest.raises(ValueError, match="max_pages"):
        JsonFeedSource(make_client(pages()), URL, max_pages=0)
