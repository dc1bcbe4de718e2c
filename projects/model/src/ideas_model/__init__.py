"""Domain model of the content ideas pipeline."""

from ideas_model.idea import Category, Idea, ScoredIdea, dedup_key, slugify

__all__ = ["Category", "Idea", "ScoredIdea", "dedup_key", "slugify"]
