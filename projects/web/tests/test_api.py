from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient

Handler = Callable[[httpx.Request], httpx.Response]
AppFactory = Callable[[Handler], TestClient]


def post(client: TestClient, title: str, **fields: object) -> httpx.Response:
    response: httpx.Response = client.post("/ideas", json={"title": title, **fields})
    return response


def test_health_reports_count(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "ideas": 0, "sources": []}
    post(client, "Something")
    assert client.get("/health").json()["ideas"] == 1


def test_post_idea_is_classified_scored_and_tagged(client: TestClient) -> None:
    response = post(
        client, "How to test FastAPI apps", body="A guide.", tags=["Python"]
    )
    assert response.status_code == 201
    data = response.json()
    assert data["category"] == "tutorial"
    assert data["score"] == 1.0  # created now, freshness-only weights
    assert data["tags"] == ["howto", "python"]
    assert data["slug"] == "how-to-test-fastapi-apps"
    assert len(data["id"]) == 32


def test_post_validation_errors_are_422(client: TestClient) -> None:
    assert post(client, "").status_code == 422
    assert post(client, "   ").status_code == 422
    assert post(client, "Bad url", url="ftp://x").status_code == 422
    assert post(client, "Bad tag", tags=["two words"]).status_code == 422
    assert client.post("/ideas", json={"body": "no title"}).status_code == 422
    assert client.get("/health").json()["ideas"] == 0


def test_duplicates_are_409(client: TestClient) -> None:
    assert post(client, "First", id="x1", url="https://e.test/a").status_code == 201
    same_id = post(client, "Other", id="x1")
    same_url = post(client, "Second", url="http://www.e.test/a/")
    assert (same_id.status_code, same_url.status_code) == (409, 409)
    assert "already exists" in same_id.json()["detail"]


def test_get_idea_and_404(client: TestClient) -> None:
    created = post(client, "Find me", id="abc").json()
    assert client.get("/ideas/abc").json() == created
    missing = client.get("/ideas/nope")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no idea 'nope'"}


def test_list_is_ranked_by_score(client: TestClient, now: datetime) -> None:
    for ident, hours in [("old", 72), ("new", 0), ("mid", 24)]:
        post(
            client,
            f"Idea {ident}",
            id=ident,
            created_at=(now - timedelta(hours=hours)).isoformat(),
        )
    listed = client.get("/ideas").json()
    assert [i["id"] for i in listed] == ["new", "mid", "old"]
    assert [i["score"] for i in listed] == [1.0, 0.5, 0.125]
    assert [i["id"] for i in client.get("/ideas", params={"limit": 2}).json()] == [
        "new",
        "mid",
    ]


def test_list_filters_by_category(client: TestClient) -> None:
    post(client, "Version 3 released")
    post(client, "Why Python is overrated")
    post(client, "Step by step guide to uv")
    news = client.get("/ideas", params={"category": "news"}).json()
    assert [i["title"] for i in news] == ["Version 3 released"]
    assert client.get("/ideas", params={"category": "review"}).json() == []


def test_list_rejects_bad_query(client: TestClient) -> None:
    assert client.get("/ideas", params={"category": "gossip"}).status_code == 422
    assert client.get("/ideas", params={"limit": 0}).status_code == 422


def test_ingest_pulls_pages_and_skips_duplicates(app_with_feed: AppFactory) -> None:
    pages = {
        "1": {
            "items": [
                {"id": 1, "title": "Launch announced", "url": "https://n.test/1"},
                {"id": 2, "title": "Case study: migrated to uv"},
            ],
            "next_page": 2,
        },
        "2": {
            "items": [
                {"id": 3, "title": "Launch announced again", "url": "https://n.test/1"},
                {"title": ""},
            ]
        },
    }
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(200, json=pages[request.url.params["page"]])

    client = app_with_feed(handler)
    first = client.post("/ingest")
    assert first.status_code == 200
    assert first.json() == {"fetched": 3, "added": 2, "duplicates": 1, "errors": []}
    assert requests == [
        "https://feed.test/api/ideas?page=1",
        "https://feed.test/api/ideas?page=2",
    ]
    assert client.get("/ideas/feed:1").json()["category"] == "news"
    assert client.get("/ideas/feed:2").json()["category"] == "case-study"

    second = client.post("/ingest").json()
    assert second == {"fetched": 3, "added": 0, "duplicates": 3, "errors": []}
    assert client.get("/health").json() == {
        "status": "ok",
        "ideas": 2,
        "sources": ["feed"],
    }


def test_ingest_when_every_source_fails_is_502(app_with_feed: AppFactory) -> None:
    client = app_with_feed(lambda request: httpx.Response(500))
    response = client.post("/ingest")
    assert response.status_code == 502
    assert "feed: HTTP 500" in response.json()["detail"]


def test_ingest_with_no_sources_is_empty(client: TestClient) -> None:
    assert client.post("/ingest").json() == {
        "fetched": 0,
        "added": 0,
        "duplicates": 0,
        "errors": [],
    }
