"""Map ideas to categories and tags with keyword rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ideas_model import Category, Idea

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """Keywords (single words or phrases) that point to a category.

    Text is split into lowercase words (punctuation and hyphens separate
    words), so "Step-by-step" matches the keyword "step by step".

    Each occurrence of a keyword adds ``weight`` to the category; a match in
    the title counts twice. ``tags`` are added to any idea the rule matches.
    """

    category: Category
    keywords: tuple[str, ...]
    tags: tuple[str, ...] = ()
    weight: float = 1.0

    def __post_init__(self) -> None:
        cleaned = tuple(" ".join(_words(k)) for k in self.keywords)
        if not cleaned or not all(cleaned):
            raise ValueError("a rule needs at least one non-empty keyword")
        if self.weight <= 0:
            raise ValueError("weight must be positive")
        object.__setattr__(self, "keywords", cleaned)

    def hits(self, text: str) -> int:
        """How many times any keyword occurs in ``text`` as whole words."""
        words = _words(text)
        total = 0
        for keyword in self.keywords:
            needle = keyword.split()
            size = len(needle)
            total += sum(
                words[i : i + size] == needle for i in range(len(words) - size + 1)
            )
        return total


@dataclass(frozen=True, slots=True)
class Classification:
    category: Category
    tags: frozenset[str]
    scores: Mapping[Category, float] = field(default_factory=dict)


DEFAULT_RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        Category.TUTORIAL, ("how to", "guide", "tutorial", "step by step"), ("howto",)
    ),
    KeywordRule(Category.NEWS, ("announced", "release", "released", "launch", "news")),
    KeywordRule(Category.REVIEW, ("review", "versus", "vs", "compared", "benchmark")),
    KeywordRule(Category.OPINION, ("why", "should", "opinion", "harmful", "overrated")),
    KeywordRule(
        Category.CASE_STUDY, ("case study", "migrated", "lessons learned", "postmortem")
    ),
)


class Classifier:
    """Scores every rule against an idea and picks the best category."""

    def __init__(
        self,
        rules: Sequence[KeywordRule] = DEFAULT_RULES,
        default: Category = Category.OTHER,
        title_boost: float = 2.0,
    ) -> None:
        if title_boost < 1:
            raise ValueError("title_boost must be at least 1")
        self._rules = tuple(rules)
        self._default = default
        self._title_boost = title_boost

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Iterable[str]], default: Category = Category.OTHER
    ) -> Classifier:
        """Build rules from ``{"tutorial": ["guide", ...], ...}``."""
        rules = []
        for name, keywords in mapping.items():
            try:
                category = Category(name.lower())
            except ValueError:
                raise ValueError(f"unknown category {name!r}") from None
            rules.append(KeywordRule(category, tuple(keywords)))
        return cls(rules, default=default)

    def classify(self, idea: Idea) -> Classification:
        scores: dict[Category, float] = {}
        tags: set[str] = set(idea.tags)
        order: dict[Category, int] = {}
        for index, rule in enumerate(self._rules):
            title_hits = rule.hits(idea.title)
            body_hits = rule.hits(idea.body)
            if not title_hits and not body_hits:
                continue
            tags.update(rule.tags)
            points = rule.weight * (title_hits * self._title_boost + body_hits)
            scores[rule.category] = scores.get(rule.category, 0.0) + points
            order.setdefault(rule.category, index)
        if not scores:
            return Classification(self._default, frozenset(tags), {})
        best = max(scores, key=lambda cat: (scores[cat], -order[cat]))
        return Classification(best, frozenset(tags), scores)

    def category_of(self, idea: Idea) -> Category:
        return self.classify(idea).category
