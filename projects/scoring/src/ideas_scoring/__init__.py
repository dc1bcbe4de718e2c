"""Numpy-based scoring and ranking of content ideas."""

from ideas_scoring.scorer import FEATURES, Scorer, ScoringWeights, normalize, top_k

__all__ = ["FEATURES", "Scorer", "ScoringWeights", "normalize", "top_k"]
