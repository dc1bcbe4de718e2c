from datetime import UTC, datetime, timedelta

import pytest

from ideas_model import Category, Idea, ScoredIdea, dedup_key, slugify

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make(**overrides: object) -> Idea:
    fields: dict[str, object] = {"id": "i1", "title": "Hello World", "created_at": WHEN}
    fields.update(overrides)
    return Idea(**fields)  # type: ignore[arg-type]


def test_title_is_whitespace_normalized() -> None:
    assert make(title="  Hello   \n World ").title == "Hello World"


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_empty_title_raises(title: str) -> None:
    with pytest.raises(ValueError, match="title"):
        make(title=title)


def test_too_long_title_raises() -> None:
    with pytest.raises(ValueError, match="longer"):
        make(title="x" * 201)


def test_empty_id_raises() -> None:
    with pytest.raises(ValueError, match="id"):
        make(id=" ")


def test_non_http_url_raises() -> None:
    with pytest.raises(ValueError, match="url"):
        make(url="ftp://example.com/x")


def test_tags_are_normalized_and_deduplicated() -> None:
    idea = make(tags=["Python", "python ", "web-dev"])
    assert idea.tags == frozenset({"python", "web-dev"})


def test_single_string_tags_rejected() -> None:
    with pytest.raises(TypeError):
        make(tags="python")


def test_invalid_tag_rejected() -> None:
    with pytest.raises(ValueError, match="invalid tag"):
        make(tags=["has space"])


def test_naive_datetime_becomes_utc() -> None:
    idea = make(created_at=datetime(2024, 1, 1, 8, 30))
    assert idea.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello-world"),
        ("  Café au lait  ", "cafe-au-lait"),
        ("Rust & Python: 2024", "rust-python-2024"),
        ("!!!", ""),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slug_property_uses_title() -> None:
    assert make(title="Ten Tips for Testing").slug == "ten-tips-for-testing"


def test_dedup_key_ignores_scheme_www_query_and_slash() -> None:
    a = dedup_key("A", "https://www.example.com/post/1/?utm=x")
    b = dedup_key("B", "http://example.com/post/1")
    assert a == b == "url:example.com/post/1"


def test_dedup_key_falls_back_to_title_slug() -> None:
    assert (
        make(title="Hello, World").dedup_key
        == make(id="i2", title="hello world").dedup_key
    )


def test_round_trip_through_dict() -> None:
    idea = make(body="b", source="rss", url="https://e.com/x", tags=["b", "a"])
    data = idea.to_dict()
    assert data["tags"] == ["a", "b"]
    assert data["created_at"] == "2024-05-01T12:00:00+00:00"
    assert Idea.from_dict(data) == idea


def test_from_dict_keeps_offset_and_reports_missing_fields() -> None:
    idea = Idea.from_dict(
        {"id": "x", "title": "T", "created_at": "2024-05-01T12:00:00+02:00"}
    )
    assert idea.created_at.utcoffset() == timedelta(hours=2)
    assert idea.created_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="id, title"):
        Idea.from_dict({"body": "no title"})


def test_from_dict_rejects_tags_given_as_one_string() -> None:
    with pytest.raises(TypeError, match="tags"):
        Idea.from_dict({"id": "x", "title": "T", "tags": "python"})


def test_with_tags_returns_new_idea() -> None:
    idea = make(tags=["a"])
    tagged = idea.with_tags("B")
    assert tagged.tags == {"a", "b"}
    assert idea.tags == {"a"}


def test_scored_idea_validates_score_and_round_trips() -> None:
    scored = ScoredIdea(make(), Category.TUTORIAL, 0.75)
    data = scored.to_dict()
    assert data["category"] == "tutorial"
    assert ScoredIdea.from_dict(data) == scored
    with pytest.raises(ValueError, match="score"):
        ScoredIdea(make(), Category.NEWS, 1.5)


def test_category_values_are_strings() -> None:
    assert Category("case-study") is Category.CASE_STUDY
    assert str(Category.NEWS) == "news"
