"""A paginated JSON API: ``{"items": [...], "next_page": 2 | null}``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
from ideas_model import Idea

from ideas_sources.base import SourceError, get, make_id

log = logging.getLogger(__name__)


class JsonFeedSource:
    """Reads pages ``?page=1,2,...`` until ``next_page`` is null or ``max_pages``."""

    def __init__(
        self, client: httpx.Client, url: str, name: str = "json", max_pages: int = 10
    ) -> None:
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.client = client
        self.url = url
        self.name = name
        self.max_pages = max_pages

    def fetch(self) -> list[Idea]:
        ideas: list[Idea] = []
        page: int | None = 1
        visited: set[int] = set()
        while page is not None and len(visited) < self.max_pages:
            if page in visited:
                raise SourceError(self.name, f"pagination loops back to page {page}")
            visited.add(page)
            payload = self._page(page)
            ideas.extend(self._parse_items(payload["items"]))
            page = payload.get("next_page")
            if page is not None and (
                isinstance(page, bool) or not isinstance(page, int)
            ):
                raise SourceError(
                    self.name, f"next_page must be an integer, got {page!r}"
                )
        return ideas

    def _page(self, page: int) -> dict[str, Any]:
        response = get(self.client, self.name, self.url, page=page)
        try:
            payload = response.json()
        except ValueError as exc:
            raise SourceError(self.name, f"page {page} is not valid JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            raise SourceError(self.name, f"page {page} has no 'items' list")
        return payload

    def _parse_items(self, items: list[Any]) -> list[Idea]:
        ideas: list[Idea] = []
        for raw in items:
            try:
                ideas.append(self._parse_item(raw))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("%s: skipping malformed item %r: %s", self.name, raw, exc)
        return ideas

    def _parse_item(self, raw: Any) -> Idea:
        if not isinstance(raw, dict):
            raise TypeError("item is not an object")
        title = raw["title"]
        if not isinstance(title, str):
            raise TypeError("title is not a string")
        url = raw.get("url") or None
        published = raw.get("published")
        tags = raw.get("tags") or []
        if not isinstance(tags, list):
            raise TypeError("tags is not a list")
        return Idea(
            id=make_id(
                self.name, str(raw["id"]) if "id" in raw else None, url or title
            ),
            title=title,
            body=str(raw.get("body") or ""),
            source=self.name,
            url=url,
            tags=frozenset(tags),
            created_at=datetime.fromisoformat(published)
            if published
            else datetime.now(UTC),
        )
