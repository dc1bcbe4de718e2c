"""In-memory storage of scored ideas."""

from __future__ import annotations

from threading import Lock

from ideas_model import Category, ScoredIdea


class DuplicateIdeaError(ValueError):
    """An idea with the same id or dedup key is already stored."""


class IdeaStore:
    """Thread-safe dict of scored ideas, indexed by id and dedup key."""

    def __init__(self) -> None:
        self._by_id: dict[str, ScoredIdea] = {}
        self._keys: set[str] = set()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, scored: ScoredIdea) -> None:
        idea = scored.idea
        with self._lock:
            if idea.id in self._by_id:
                raise DuplicateIdeaError(f"idea {idea.id!r} already exists")
            if idea.dedup_key in self._keys:
                raise DuplicateIdeaError(f"an idea like {idea.title!r} already exists")
            self._by_id[idea.id] = scored
            self._keys.add(idea.dedup_key)

    def get(self, idea_id: str) -> ScoredIdea | None:
        return self._by_id.get(idea_id)

    def dedup_keys(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._keys)

    def ranked(
        self, category: Category | None = None, limit: int | None = None
    ) -> list[ScoredIdea]:
        """Best score first; equal scores keep the newest idea first."""
        with self._lock:
            items = [s for s in self._by_id.values() if category in (None, s.category)]
        items.sort(key=lambda s: (s.score, s.idea.created_at), reverse=True)
        return items[:limit]
