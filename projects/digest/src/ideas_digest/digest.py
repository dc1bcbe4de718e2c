"""Selecting a week of ideas and computing its statistics with numpy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt
from ideas_model import Category, Idea, ScoredIdea

DAYS_PER_WEEK = 7
CATEGORIES: tuple[Category, ...] = tuple(Category)
PERCENTILES: tuple[int, ...] = (25, 50, 75, 90)
IntArray = npt.NDArray[np.int64]


def numpy_major() -> int:
    """Major version of the numpy this code runs with."""
    return int(np.__version__.split(".", 1)[0])


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One idea of the digest, with its category and score if it has one."""

    idea: Idea
    category: Category
    score: float | None = None


@dataclass(frozen=True, slots=True)
class LengthStats:
    """Summary of body lengths in words; floats are rounded to 2 decimals."""

    count: int
    mean: float
    median: float
    p25: float
    p75: float
    p90: float
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True)
class Digest:
    """A week of ideas and its statistics, ready to render."""

    week_start: date
    entries: tuple[DigestEntry, ...]
    per_day: tuple[int, ...]
    by_source: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[Category, int], ...]
    body_words: LengthStats | None

    @property
    def week_end(self) -> date:
        """Last day of the week, inclusive."""
        return self.week_start + timedelta(days=DAYS_PER_WEEK - 1)

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def busiest_day(self) -> date | None:
        """Day with the most ideas (the earliest on ties); None when empty."""
        if not self.entries:
            return None
        return self.week_start + timedelta(days=int(np.argmax(self.per_day)))


def length_stats(lengths: Sequence[int] | IntArray) -> LengthStats | None:
    """Mean, median, percentiles and range of ``lengths``; None when empty."""
    array = np.asarray(lengths, dtype=np.int64)
    if array.size == 0:
        return None
    p25, p50, p75, p90 = (round(float(v), 2) for v in np.percentile(array, PERCENTILES))
    return LengthStats(
        count=int(array.size),
        mean=round(float(np.mean(array)), 2),
        median=p50,
        p25=p25,
        p75=p75,
        p90=p90,
        minimum=int(array.min()),
        maximum=int(array.max()),
    )


def count_by(labels: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """How often each label occurs, most frequent first, ties by label."""
    if not labels:
        return ()
    values, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return tuple((str(values[i]), int(counts[i])) for i in order)


def _day_index(idea: Idea, week_start: date) -> int:
    return (idea.created_at.astimezone(UTC).date() - week_start).days


def _entry(
    item: Idea | ScoredIdea, category_of: Callable[[Idea], Category]
) -> DigestEntry:
    if isinstance(item, ScoredIdea):
        return DigestEntry(item.idea, item.category, item.score)
    return DigestEntry(item, category_of(item))


def _sort_key(entry: DigestEntry) -> tuple[int, bool, float, datetime, str]:
    return (
        CATEGORIES.index(entry.category),
        entry.score is None,
        -(entry.score or 0.0),
        entry.idea.created_at,
        entry.idea.id,
    )


def _count_categories(
    categories: Sequence[Category],
) -> tuple[tuple[Category, int], ...]:
    indices = np.asarray([CATEGORIES.index(c) for c in categories], dtype=np.int64)
    counts = np.bincount(indices, minlength=len(CATEGORIES))
    order = np.argsort(-counts, kind="stable")
    return tuple((CATEGORIES[i], int(counts[i])) for i in order if counts[i] > 0)


def build_digest(
    ideas: Iterable[Idea | ScoredIdea],
    *,
    week_start: date,
    category_of: Callable[[Idea], Category] = lambda _: Category.OTHER,
) -> Digest:
    """Digest of the ideas created in the 7 days from ``week_start`` (UTC).

    A :class:`ScoredIdea` keeps its category and score; a plain :class:`Idea`
    gets its category from ``category_of``. Entries are ordered by category
    (in :class:`Category` order), then best score first (unscored last), then
    oldest first, then by id.
    """
    if isinstance(week_start, datetime) or not isinstance(week_start, date):
        raise TypeError("week_start must be a date, not a datetime")
    entries: list[DigestEntry] = []
    days: list[int] = []
    for item in ideas:
        entry = _entry(item, category_of)
        day = _day_index(entry.idea, week_start)
        if 0 <= day < DAYS_PER_WEEK:
            entries.append(entry)
            days.append(day)
    entries.sort(key=_sort_key)
    per_day = np.bincount(np.asarray(days, dtype=np.int64), minlength=DAYS_PER_WEEK)
    return Digest(
        week_start=week_start,
        entries=tuple(entries),
        per_day=tuple(int(n) for n in per_day),
        by_source=count_by([e.idea.source for e in entries]),
        by_category=_count_categories([e.category for e in entries]),
        body_words=length_stats([len(e.idea.body.split()) for e in entries]),
    )
