from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from ideas_configload import Settings
from ideas_model import Category, Idea

from ideas_scoring import FEATURES, Scorer, ScoringWeights, normalize, top_k

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def idea(
    ident: str, hours_old: float = 0, words: int = 0, tags: tuple[str, ...] = ()
) -> Idea:
    return Idea(
        id=ident,
        title=f"Idea {ident}",
        body=" ".join(["word"] * words),
        tags=frozenset(tags),
        created_at=NOW - timedelta(hours=hours_old),
    )


def fixed_scorer(**weights: object) -> Scorer:
    return Scorer(ScoringWeights(**weights), clock=lambda: NOW)  # type: ignore[arg-type]


def test_freshness_halves_every_half_life() -> None:
    scorer = fixed_scorer(half_life_hours=24)
    feats = scorer.features([idea("a", 0), idea("b", 24), idea("c", 48)])
    assert feats.shape == (3, len(FEATURES))
    np.testing.assert_allclose(feats[:, 0], [1.0, 0.5, 0.25])


def test_future_ideas_count_as_brand_new() -> None:
    feats = fixed_scorer().features([idea("a", hours_old=-5)])
    assert feats[0, 0] == 1.0


def test_length_feature_saturates_at_target() -> None:
    scorer = fixed_scorer(target_words=10)
    feats = scorer.features(
        [idea("a", words=0), idea("b", words=5), idea("c", words=50)]
    )
    np.testing.assert_allclose(feats[:, 1], [0.0, 0.5, 1.0])


def test_tag_overlap_is_fraction_of_focus_tags() -> None:
    scorer = fixed_scorer(focus_tags=frozenset({"Python", "web"}))
    feats = scorer.features(
        [
            idea("a", tags=("python",)),
            idea("b", tags=("python", "web")),
            idea("c", tags=("rust",)),
        ]
    )
    np.testing.assert_allclose(feats[:, 2], [0.5, 1.0, 0.0])


def test_no_focus_tags_gives_zero_overlap() -> None:
    assert fixed_scorer().features([idea("a", tags=("python",))])[0, 2] == 0.0


def test_score_is_weighted_mean_in_unit_range() -> None:
    scorer = fixed_scorer(
        freshness=2,
        length=1,
        tags=1,
        target_words=10,
        half_life_hours=24,
        focus_tags=frozenset({"x"}),
    )
    scores = scorer.score(
        [idea("a", hours_old=24, words=10, tags=("x",)), idea("b", 10_000)]
    )
    np.testing.assert_allclose(scores[0], (2 * 0.5 + 1 + 1) / 4)
    assert 0.0 <= scores[1] < 0.01


def test_empty_batch() -> None:
    scorer = fixed_scorer()
    assert scorer.features([]).shape == (0, 3)
    assert scorer.score([]).shape == (0,)
    assert scorer.rank([]) == []


def test_rank_returns_top_k_best_first_with_categories() -> None:
    ideas = [idea("old", 200), idea("new", 0), idea("mid", 48)]
    ranked = fixed_scorer(freshness=1, length=0, tags=0).rank(
        ideas, k=2, category_of=lambda i: Category.NEWS
    )
    assert [s.idea.id for s in ranked] == ["new", "mid"]
    assert all(s.category is Category.NEWS for s in ranked)
    assert ranked[0].score == 1.0


def test_top_k_is_stable_on_ties_and_validates_k() -> None:
    assert top_k([0.5, 0.9, 0.5, 0.9]) == [1, 3, 0, 2]
    assert top_k([0.1, 0.2], k=0) == []
    assert top_k([0.1, 0.2], k=5) == [1, 0]
    with pytest.raises(ValueError, match="k"):
        top_k([0.1], k=-1)


def test_normalize() -> None:
    np.testing.assert_allclose(normalize([2.0, 4.0, 3.0]), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(normalize([7.0, 7.0]), [1.0, 1.0])
    assert normalize([]).size == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"freshness": -1}, "negative"),
        ({"freshness": 0, "length": 0, "tags": 0}, "at least one"),
        ({"freshness": float("nan")}, "finite"),
        ({"half_life_hours": 0}, "half_life_hours"),
        ({"target_words": 0}, "target_words"),
    ],
)
def test_invalid_weights_raise(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScoringWeights(**kwargs)  # type: ignore[arg-type]


def test_weights_from_settings() -> None:
    settings = Settings(
        freshness_weight=0.1,
        length_weight=0.6,
        tag_weight=0.3,
        freshness_half_life_hours=12,
        focus_tags=("ai",),
    )
    weights = ScoringWeights.from_settings(settings)
    assert (weights.freshness, weights.length, weights.tags) == (0.1, 0.6, 0.3)
    assert weights.half_life_hours == 12
    assert weights.focus_tags == {"ai"}


def test_score_one_uses_clock_and_explicit_now() -> None:
    scorer = fixed_scorer(freshness=1, length=0, tags=0, half_life_hours=1)
    item = idea("a", hours_old=1)
    assert scorer.score_one(item) == pytest.approx(0.5)
    assert scorer.score_one(item, now=NOW + timedelta(hours=1)) == pytest.approx(0.25)


def test_runs_on_numpy_2() -> None:
    # scoring needs numpy 2 while digest needs numpy 1: each project has its own venv.
    assert int(np.__version__.split(".")[0]) >= 2
