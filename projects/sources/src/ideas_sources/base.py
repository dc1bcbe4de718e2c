"""The source protocol, its error type and multi-source collection."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import httpx
from ideas_model import Idea


class SourceError(RuntimeError):
    """A source could not be fetched or its payload could not be read."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


@runtime_checkable
class Source(Protocol):
    name: str

    def fetch(self) -> list[Idea]: ...


def get(
    client: httpx.Client, source: str, url: str, **params: str | int
) -> httpx.Response:
    """GET ``url``, turning transport failures and non-2xx answers into SourceError."""
    try:
        response = client.get(url, params=params or None)
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise SourceError(
            source, f"HTTP {exc.response.status_code} from {url}"
        ) from exc
    except httpx.HTTPError as exc:
        raise SourceError(source, f"request to {url} failed: {exc}") from exc
    return response


def make_id(source: str, native_id: str | None, fallback: str) -> str:
    """Stable idea id: the feed's own id if any, else a hash of ``fallback``."""
    if native_id and native_id.strip():
        return f"{source}:{native_id.strip()}"
    return f"{source}:{hashlib.sha1(fallback.encode()).hexdigest()[:12]}"


@dataclass(slots=True)
class CollectResult:
    ideas: list[Idea] = field(default_factory=list)
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def collect(sources: Iterable[Source], seen: Iterable[str] = ()) -> CollectResult:
    """Fetch every source, keeping the first idea of each dedup key.

    ``seen`` holds dedup keys that are already known (they count as
    duplicates). A failing source is recorded in ``errors`` and skipped.
    """
    result = CollectResult()
    keys = set(seen)
    for source in sources:
        try:
            ideas = source.fetch()
        except SourceError as exc:
            result.errors.append(str(exc))
            continue
        for idea in ideas:
            if idea.dedup_key in keys:
                result.duplicates += 1
                continue
            keys.add(idea.dedup_key)
            result.ideas.append(idea)
    return result
