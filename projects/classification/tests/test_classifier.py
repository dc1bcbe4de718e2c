from datetime import UTC, datetime

import pytest
from ideas_model import Category, Idea

from ideas_classification import Classifier, KeywordRule


def idea(title: str, body: str = "", tags: tuple[str, ...] = ()) -> Idea:
    return Idea(
        id="x",
        title=title,
        body=body,
        tags=frozenset(tags),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_default_rules_detect_tutorial() -> None:
    result = Classifier().classify(idea("How to write a pytest plugin"))
    assert result.category is Category.TUTORIAL
    assert "howto" in result.tags


def test_matching_is_case_insensitive() -> None:
    assert (
        Classifier().category_of(idea("BIG NEWS: Version 2 RELEASED")) is Category.NEWS
    )


def test_keywords_match_whole_words_only() -> None:
    # "reviewing" and "newsletter" must not count as "review" / "news".
    assert (
        Classifier().category_of(idea("Reviewing my newsletter setup"))
        is Category.OTHER
    )


def test_unknown_content_gets_default_category() -> None:
    classifier = Classifier(default=Category.OPINION)
    result = classifier.classify(idea("Untitled thoughts", "nothing in particular"))
    assert result.category is Category.OPINION
    assert result.scores == {}


def test_title_hits_are_boosted() -> None:
    classifier = Classifier()
    result = classifier.classify(
        idea("A benchmark of parsers", "this guide shows how to")
    )
    # title: 1 review hit * 2 = 2; body: 2 tutorial hits * 1 = 2.
    # A tie: the earlier rule wins.
    assert result.scores[Category.REVIEW] == result.scores[Category.TUTORIAL] == 2.0
    assert result.category is Category.TUTORIAL


def test_tie_goes_to_earlier_rule() -> None:
    rules = [
        KeywordRule(Category.OPINION, ("rust",)),
        KeywordRule(Category.NEWS, ("python",)),
    ]
    assert Classifier(rules).category_of(idea("python and rust")) is Category.OPINION
    assert Classifier(rules[::-1]).category_of(idea("python and rust")) is Category.NEWS


def test_phrases_match_across_punctuation_and_hyphens() -> None:
    classifier = Classifier()
    assert (
        classifier.category_of(idea("Our migration: lessons, learned"))
        is Category.CASE_STUDY
    )
    assert classifier.category_of(idea("Q3", "a case-study")) is Category.CASE_STUDY
    assert classifier.category_of(idea("Lessons from a case")) is Category.OTHER


def test_tags_from_all_matching_rules_and_idea_are_kept() -> None:
    rules = [
        KeywordRule(Category.TUTORIAL, ("guide",), tags=("learning",)),
        KeywordRule(Category.OTHER, ("fastapi",), tags=("web",), weight=0.1),
    ]
    result = Classifier(rules).classify(idea("FastAPI guide", tags=("python",)))
    assert result.category is Category.TUTORIAL
    assert result.tags == {"learning", "web", "python"}


def test_weights_change_the_winner() -> None:
    rules = [
        KeywordRule(Category.NEWS, ("launch",)),
        KeywordRule(Category.REVIEW, ("review",), weight=3.0),
    ]
    assert (
        Classifier(rules).category_of(idea("launch launch review")) is Category.REVIEW
    )


def test_from_mapping_builds_rules() -> None:
    classifier = Classifier.from_mapping(
        {"Tutorial": ["walkthrough"], "case-study": ["story"]}
    )
    assert classifier.category_of(idea("A walkthrough")) is Category.TUTORIAL
    assert classifier.category_of(idea("Our story")) is Category.CASE_STUDY


def test_from_mapping_rejects_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown category 'gossip'"):
        Classifier.from_mapping({"gossip": ["rumour"]})


@pytest.mark.parametrize("keywords", [(), ("",), ("  ", "ok"), ("!!!",)])
def test_rule_rejects_empty_keywords(keywords: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="keyword"):
        KeywordRule(Category.NEWS, keywords)


def test_rule_rejects_non_positive_weight_and_bad_boost() -> None:
    with pytest.raises(ValueError, match="weight"):
        KeywordRule(Category.NEWS, ("x",), weight=0)
    with pytest.raises(ValueError, match="title_boost"):
        Classifier(title_boost=0.5)


def test_rule_hits_counts_repeats() -> None:
    rule = KeywordRule(Category.NEWS, ("Step By Step", "news"))
    assert rule.keywords == ("step by step", "news")
    assert rule.hits("Step by step... STEP-BY-step; news, News! newsy") == 4
