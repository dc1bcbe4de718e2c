"""Feature extraction, weighted scoring and ranking."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from ideas_configload import Settings
from ideas_model import Category, Idea, ScoredIdea

FEATURES: tuple[str, ...] = ("freshness", "length", "tags")
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    """How much each feature counts, and the parameters of the features."""

    freshness: float = 0.5
    length: float = 0.2
    tags: float = 0.3
    half_life_hours: float = 48.0
    target_words: int = 150
    focus_tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        vector = self.vector
        if (vector < 0).any() or not np.isfinite(vector).all():
            raise ValueError("weights must be finite and not negative")
        if vector.sum() == 0:
            raise ValueError("at least one weight must be positive")
        if self.half_life_hours <= 0:
            raise ValueError("half_life_hours must be positive")
        if self.target_words < 1:
            raise ValueError("target_words must be at least 1")
        object.__setattr__(
            self, "focus_tags", frozenset(t.lower() for t in self.focus_tags)
        )

    @property
    def vector(self) -> FloatArray:
        return np.array([self.freshness, self.length, self.tags], dtype=np.float64)

    @classmethod
    def from_settings(cls, settings: Settings) -> ScoringWeights:
        return cls(
            freshness=settings.freshness_weight,
            length=settings.length_weight,
            tags=settings.tag_weight,
            half_life_hours=settings.freshness_half_life_hours,
            focus_tags=frozenset(settings.focus_tags),
        )


def normalize(values: Sequence[float] | FloatArray) -> FloatArray:
    """Min-max scale to 0..1; a constant input maps to all ones."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return array
    low, high = float(array.min()), float(array.max())
    if math.isclose(low, high):
        return np.ones_like(array)
    return (array - low) / (high - low)


def top_k(scores: Sequence[float] | FloatArray, k: int | None = None) -> list[int]:
    """Indices of the ``k`` highest scores, best first; ties keep input order."""
    if k is not None and k < 0:
        raise ValueError("k must not be negative")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return [int(i) for i in order[:k]]


class Scorer:
    """Computes feature matrices and weighted scores for batches of ideas."""

    def __init__(
        self,
        weights: ScoringWeights | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.weights = weights or ScoringWeights()
        self._clock = clock

    def features(
        self, ideas: Sequence[Idea], now: datetime | None = None
    ) -> FloatArray:
        """An ``(n, 3)`` matrix of features in 0..1, columns as in ``FEATURES``."""
        if not ideas:
            return np.zeros((0, len(FEATURES)), dtype=np.float64)
        now = now or self._clock()
        ages = np.array([(now - i.created_at).total_seconds() / 3600 for i in ideas])
        freshness = np.exp2(-np.clip(ages, 0.0, None) / self.weights.half_life_hours)
        words = np.array([len(i.body.split()) for i in ideas], dtype=np.float64)
        length = np.clip(words / self.weights.target_words, 0.0, 1.0)
        focus = self.weights.focus_tags
        if focus:
            overlap = np.array([len(i.tags & focus) / len(focus) for i in ideas])
        else:
            overlap = np.zeros(len(ideas))
        return np.column_stack([freshness, length, overlap]).astype(np.float64)

    def score(self, ideas: Sequence[Idea], now: datetime | None = None) -> FloatArray:
        """Weighted mean of the features for each idea, in 0..1."""
        vector = self.weights.vector
        scores: FloatArray = self.features(ideas, now) @ (vector / vector.sum())
        return np.clip(scores, 0.0, 1.0, out=scores)

    def score_one(self, idea: Idea, now: datetime | None = None) -> float:
        return float(self.score([idea], now)[0])

    def rank(
        self,
        ideas: Sequence[Idea],
        k: int | None = None,
        category_of: Callable[[Idea], Category] = lambda _: Category.OTHER,
        now: datetime | None = None,
    ) -> list[ScoredIdea]:
        """The ``k`` best ideas (all when ``k`` is None), best first."""
        scores = self.score(ideas, now)
        return [
            ScoredIdea(ideas[i], category_of(ideas[i]), round(float(scores[i]), 6))
            for i in top_k(scores, k)
        ]
