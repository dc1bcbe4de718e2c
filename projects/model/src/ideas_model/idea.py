"""Dataclasses for ideas, their categories and their scores."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

MAX_TITLE_LENGTH = 200
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Category(StrEnum):
    """The kind of content an idea would become."""

    TUTORIAL = "tutorial"
    NEWS = "news"
    OPINION = "opinion"
    REVIEW = "review"
    CASE_STUDY = "case-study"
    OTHER = "other"


def slugify(text: str) -> str:
    """Turn text into a lowercase ASCII slug made of words joined by hyphens."""
    normalized = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    return _NON_ALNUM.sub("-", normalized.lower()).strip("-")


def dedup_key(title: str, url: str | None = None) -> str:
    """Key under which two ideas count as the same one.

    Ideas with a URL are the same when their URLs match, ignoring the scheme,
    a ``www.`` prefix, the query string and a trailing slash. Ideas without one
    are the same when their titles have the same slug.
    """
    if url:
        stripped = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower())
        stripped = stripped.removeprefix("www.").split("#", 1)[0].split("?", 1)[0]
        return "url:" + stripped.rstrip("/")
    return "title:" + slugify(title)


def _normalize_tags(tags: Any) -> frozenset[str]:
    if isinstance(tags, str):
        raise TypeError("tags must be an iterable of strings, not a single string")
    result: set[str] = set()
    for tag in tags:
        if not isinstance(tag, str):
            raise TypeError(f"tag {tag!r} is not a string")
        cleaned = tag.strip().lower()
        if not _TAG_RE.match(cleaned):
            raise ValueError(f"invalid tag {tag!r}")
        result.add(cleaned)
    return frozenset(result)


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise TypeError(
            f"created_at must be a datetime or ISO string, got {type(value).__name__}"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@dataclass(frozen=True, slots=True)
class Idea:
    """A content idea collected from a source."""

    id: str
    title: str
    body: str = ""
    source: str = "manual"
    url: str | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("id must not be empty")
        title = " ".join(self.title.split())
        if not title:
            raise ValueError("title must not be empty")
        if len(title) > MAX_TITLE_LENGTH:
            raise ValueError(f"title is longer than {MAX_TITLE_LENGTH} characters")
        if not self.source.strip():
            raise ValueError("source must not be empty")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must be http(s): {self.url!r}")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "tags", _normalize_tags(self.tags))
        object.__setattr__(self, "created_at", _parse_datetime(self.created_at))

    @property
    def slug(self) -> str:
        """URL-friendly form of the title."""
        return slugify(self.title)

    @property
    def dedup_key(self) -> str:
        """Key shared by ideas that are duplicates of each other."""
        return dedup_key(self.title, self.url)

    def with_tags(self, *tags: str) -> Idea:
        """Return a copy of this idea with extra tags."""
        return Idea(
            id=self.id,
            title=self.title,
            body=self.body,
            source=self.source,
            url=self.url,
            tags=self.tags | _normalize_tags(tags),
            created_at=self.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form; tags are sorted so output is stable."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "source": self.source,
            "url": self.url,
            "tags": sorted(self.tags),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Idea:
        """Build an idea from the output of :meth:`to_dict`."""
        missing = {"id", "title"} - data.keys()
        if missing:
            raise ValueError(f"missing fields: {', '.join(sorted(missing))}")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            body=str(data.get("body", "")),
            source=str(data.get("source", "manual")),
            url=data.get("url"),
            tags=_normalize_tags(data.get("tags", ())),
            created_at=_parse_datetime(data.get("created_at", datetime.now(UTC))),
        )


@dataclass(frozen=True, slots=True)
class ScoredIdea:
    """An idea with its category and a score between 0 and 1."""

    idea: Idea
    category: Category
    score: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within 0..1, got {self.score}")

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.idea.to_dict(),
            "category": self.category.value,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoredIdea:
        return cls(
            idea=Idea.from_dict(data),
            category=Category(data.get("category", Category.OTHER.value)),
            score=float(data["score"]),
        )
