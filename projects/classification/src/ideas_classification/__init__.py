"""Keyword-rule classification of content ideas."""

from ideas_classification.classifier import (
    DEFAULT_RULES,
    Classification,
    Classifier,
    KeywordRule,
)

__all__ = ["DEFAULT_RULES", "Classification", "Classifier", "KeywordRule"]
