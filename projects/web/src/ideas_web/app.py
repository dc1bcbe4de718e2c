"""The FastAPI application factory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, status
from ideas_classification import Classifier
from ideas_model import Category, Idea, ScoredIdea
from ideas_scoring import Scorer
from ideas_sources import Source, collect
from pydantic import BaseModel, Field

from ideas_web.store import DuplicateIdeaError, IdeaStore


class IdeaIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = ""
    url: str | None = None
    tags: list[str] = Field(default_factory=list)
    source: str = "manual"
    id: str | None = None
    created_at: datetime | None = None


class IdeaOut(BaseModel):
    id: str
    title: str
    body: str
    source: str
    url: str | None
    tags: list[str]
    created_at: datetime
    slug: str
    category: Category
    score: float

    @classmethod
    def of(cls, scored: ScoredIdea) -> IdeaOut:
        return cls(**scored.to_dict(), slug=scored.idea.slug)


class IngestOut(BaseModel):
    fetched: int
    added: int
    duplicates: int
    errors: list[str]


def create_app(
    *,
    sources: Sequence[Source] = (),
    classifier: Classifier | None = None,
    scorer: Scorer | None = None,
    store: IdeaStore | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FastAPI:
    """Build the API around its collaborators; all are injectable for tests."""
    classifier = classifier or Classifier()
    scorer = scorer or Scorer(clock=clock)
    ideas = store if store is not None else IdeaStore()
    app = FastAPI(title="Content ideas", version="0.1.0")
    app.state.store = ideas

    def process(idea: Idea) -> ScoredIdea:
        result = classifier.classify(idea)
        tagged = idea.with_tags(*result.tags)
        return ScoredIdea(
            tagged, result.category, round(scorer.score_one(tagged, clock()), 6)
        )

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "ideas": len(ideas),
            "sources": [s.name for s in sources],
        }

    @app.post("/ideas", status_code=status.HTTP_201_CREATED)
    def create_idea(payload: IdeaIn) -> IdeaOut:
        try:
            idea = Idea(
                id=payload.id or uuid.uuid4().hex,
                title=payload.title,
                body=payload.body,
                source=payload.source,
                url=payload.url,
                tags=frozenset(payload.tags),
                created_at=payload.created_at or clock(),
            )
        except (TypeError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from exc
        scored = process(idea)
        try:
            ideas.add(scored)
        except DuplicateIdeaError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        return IdeaOut.of(scored)

    @app.get("/ideas")
    def list_ideas(
        category: Category | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[IdeaOut]:
        return [IdeaOut.of(s) for s in ideas.ranked(category, limit)]

    @app.get("/ideas/{idea_id}")
    def get_idea(idea_id: str) -> IdeaOut:
        scored = ideas.get(idea_id)
        if scored is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no idea {idea_id!r}")
        return IdeaOut.of(scored)

    @app.post("/ingest")
    def ingest() -> IngestOut:
        result = collect(sources, seen=ideas.dedup_keys())
        if sources and len(result.errors) == len(sources):
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, "; ".join(result.errors))
        added = 0
        duplicates = result.duplicates
        for idea in result.ideas:
            try:
                ideas.add(process(idea))
                added += 1
            except DuplicateIdeaError:
                duplicates += 1
        return IngestOut(
            fetched=len(result.ideas) + result.duplicates,
            added=added,
            duplicates=duplicates,
            errors=result.errors,
        )

    return app
