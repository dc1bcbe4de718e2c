from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from ideas_model import Category, Idea, ScoredIdea

from ideas_digest import (
    DigestEntry,
    LengthStats,
    build_digest,
    count_by,
    escape_markdown,
    length_stats,
    numpy_major,
    render_markdown,
)

MONDAY = date(2024, 6, 3)
START = datetime(2024, 6, 3, tzinfo=UTC)


def idea(
    ident: str,
    day: float = 0,
    words: int = 0,
    source: str = "rss",
    title: str | None = None,
    url: str | None = None,
) -> Idea:
    return Idea(
        id=ident,
        title=title or f"Idea {ident}",
        body=" ".join(["word"] * words),
        source=source,
        url=url,
        created_at=START + timedelta(days=day),
    )


def test_runs_on_numpy_1() -> None:
    assert numpy_major() == 1
    assert np.__version__.startswith("1.")


def test_empty_input() -> None:
    digest = build_digest([], week_start=MONDAY)
    assert digest.total == 0
    assert digest.entries == ()
    assert digest.per_day == (0,) * 7
    assert digest.by_source == ()
    assert digest.by_category == ()
    assert digest.body_words is None
    assert digest.busiest_day is None
    assert digest.week_end == date(2024, 6, 9)
    assert render_markdown(digest) == (
        "# Ideas digest: 2024-06-03 to 2024-06-09\n\nNo ideas this week.\n"
    )


def test_one_idea() -> None:
    digest = build_digest([idea("a", day=2.5, words=7)], week_start=MONDAY)
    assert digest.total == 1
    assert digest.entries == (DigestEntry(idea("a", day=2.5, words=7), Category.OTHER),)
    assert digest.per_day == (0, 0, 1, 0, 0, 0, 0)
    assert digest.busiest_day == date(2024, 6, 5)
    assert digest.by_source == (("rss", 1),)
    assert digest.by_category == ((Category.OTHER, 1),)
    assert digest.body_words == LengthStats(
        count=1, mean=7.0, median=7.0, p25=7.0, p75=7.0, p90=7.0, minimum=7, maximum=7
    )


def test_week_filter_is_half_open_in_utc() -> None:
    ideas = [
        idea("before", day=-1 / 86400),
        idea("first", day=0),
        idea("last", day=7 - 1 / 86400),
        idea("after", day=7),
        idea("month-before", day=-30),
    ]
    digest = build_digest(iter(ideas), week_start=MONDAY)
    assert [e.idea.id for e in digest.entries] == ["first", "last"]
    assert digest.per_day == (1, 0, 0, 0, 0, 0, 1)


def test_day_is_taken_in_utc_not_local_offset() -> None:
    # 23:30 at UTC-2 on Monday is 01:30 UTC on Tuesday; 00:30 at UTC+3 on
    # Monday is still Sunday in UTC, so outside the week.
    tuesday = Idea(
        id="t",
        title="T",
        created_at=datetime(2024, 6, 3, 23, 30, tzinfo=timezone(timedelta(hours=-2))),
    )
    sunday = Idea(
        id="s",
        title="S",
        created_at=datetime(2024, 6, 3, 0, 30, tzinfo=timezone(timedelta(hours=3))),
    )
    digest = build_digest([tuesday, sunday], week_start=MONDAY)
    assert [e.idea.id for e in digest.entries] == ["t"]
    assert digest.per_day == (0, 1, 0, 0, 0, 0, 0)
    assert "- T · manual · 2024-06-04" in render_markdown(digest)


def test_ideas_per_day_histogram_and_busiest_day() -> None:
    days = [0, 0.5, 3, 3.2, 3.9, 6.99, 1]
    digest = build_digest(
        [idea(str(i), day=d) for i, d in enumerate(days)], week_start=MONDAY
    )
    assert digest.per_day == (2, 1, 0, 3, 0, 0, 1)
    assert sum(digest.per_day) == digest.total == 7
    assert digest.busiest_day == date(2024, 6, 6)


def test_busiest_day_ties_pick_the_earliest() -> None:
    digest = build_digest([idea("a", day=4), idea("b", day=1)], week_start=MONDAY)
    assert digest.busiest_day == date(2024, 6, 4)


def test_week_may_start_on_any_day() -> None:
    digest = build_digest(
        [idea("a", day=2), idea("b", day=9)], week_start=date(2024, 6, 5)
    )
    assert [e.idea.id for e in digest.entries] == ["a"]
    assert digest.week_end == date(2024, 6, 11)
    assert "| Wed 2024-06-05 | 1 |" in render_markdown(digest)


def test_counts_by_source_most_frequent_first_then_by_name() -> None:
    sources = ["rss", "manual", "hn", "rss", "hn", "api"]
    digest = build_digest(
        [idea(str(i), source=s) for i, s in enumerate(sources)], week_start=MONDAY
    )
    assert digest.by_source == (("hn", 2), ("rss", 2), ("api", 1), ("manual", 1))
    assert count_by([]) == ()
    assert count_by(["b", "a", "b"]) == (("b", 2), ("a", 1))


def test_categories_from_scored_ideas_and_category_of() -> None:
    items: list[Idea | ScoredIdea] = [
        ScoredIdea(idea("s1"), Category.NEWS, 0.4),
        idea("review-1"),
        idea("plain"),
        ScoredIdea(idea("s2"), Category.REVIEW, 0.9),
        idea("review-2"),
    ]
    digest = build_digest(
        items,
        week_start=MONDAY,
        category_of=lambda i: (
            Category.REVIEW if i.id.startswith("review") else Category.OTHER
        ),
    )
    # Most frequent first; ties keep the order of the Category enum.
    assert digest.by_category == (
        (Category.REVIEW, 3),
        (Category.NEWS, 1),
        (Category.OTHER, 1),
    )
    scores = {e.idea.id: e.score for e in digest.entries}
    assert scores == {
        "s1": 0.4,
        "s2": 0.9,
        "review-1": None,
        "review-2": None,
        "plain": None,
    }


def test_entries_ordered_by_category_then_score_then_time_then_id() -> None:
    items: list[Idea | ScoredIdea] = [
        idea("other-late", day=5),
        ScoredIdea(idea("tut-low", day=0), Category.TUTORIAL, 0.2),
        idea("other-early-b", day=1),
        ScoredIdea(idea("tut-high", day=6), Category.TUTORIAL, 0.8),
        idea("other-early-a", day=1),
        ScoredIdea(idea("news", day=3), Category.NEWS, 0.1),
        ScoredIdea(idea("other-scored", day=6), Category.OTHER, 0.0),
    ]
    digest = build_digest(items, week_start=MONDAY)
    assert [e.idea.id for e in digest.entries] == [
        "tut-high",
        "tut-low",
        "news",
        "other-scored",
        "other-early-a",
        "other-early-b",
        "other-late",
    ]


def test_body_length_statistics_exact() -> None:
    digest = build_digest(
        [idea(str(w), words=w) for w in (10, 0, 4, 2)], week_start=MONDAY
    )
    assert digest.body_words == LengthStats(
        count=4, mean=4.0, median=3.0, p25=1.5, p75=5.5, p90=8.2, minimum=0, maximum=10
    )


@pytest.mark.parametrize(
    ("lengths", "expected"),
    [
        ([], None),
        ([0, 10, 20, 30, 40], LengthStats(5, 20.0, 20.0, 10.0, 30.0, 36.0, 0, 40)),
        ([1, 2], LengthStats(2, 1.5, 1.5, 1.25, 1.75, 1.9, 1, 2)),
        ([1, 1, 2], LengthStats(3, 1.33, 1.0, 1.0, 1.5, 1.8, 1, 2)),
    ],
)
def test_length_stats(lengths: list[int], expected: LengthStats | None) -> None:
    assert length_stats(lengths) == expected


def test_week_start_must_be_a_date() -> None:
    with pytest.raises(TypeError, match="week_start"):
        build_digest([], week_start=START)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain title", "Plain title"),
        ("A | B", r"A \| B"),
        ("*bold* and _em_", r"\*bold\* and \_em\_"),
        ("[link](x) `code`", r"\[link\](x) \`code\`"),
        ("<b>#1</b> ~gone~ a\\b", r"\<b\>\#1\</b\> \~gone\~ a\\b"),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


def test_render_escapes_titles_and_sources() -> None:
    digest = build_digest(
        [
            idea("a", title="Pipes | in *titles*", url="https://e.com/a (b)"),
            idea("b", title="No_url | here", source="my|feed"),
        ],
        week_start=MONDAY,
    )
    text = render_markdown(digest)
    assert r"- [Pipes \| in \*titles\*](https://e.com/a%20%28b%29) · rss" in text
    assert r"- No\_url \| here · my\|feed · 2024-06-03" in text
    assert r"| my\|feed | 1 |" in text
    for line in text.splitlines():
        if line.startswith("| "):
            assert line.replace(r"\|", "").count("|") == 3


def test_render_full_document() -> None:
    items: list[Idea | ScoredIdea] = [
        idea("a", day=1, words=2, source="hn", url="https://e.com/a"),
        ScoredIdea(idea("b", day=1.5, words=10), Category.CASE_STUDY, 0.756),
        idea("c", day=4, words=0, source="hn"),
        idea("d", day=9, words=99),
    ]
    expected = """\
# Ideas digest: 2024-06-03 to 2024-06-09

3 ideas from 2 sources.

## Summary

| Statistic | Value |
| --- | ---: |
| Ideas | 3 |
| Busiest day | Tue 2024-06-04 (2) |
| Body words, mean | 4 |
| Body words, median | 2 |
| Body words, p25 / p75 / p90 | 1 / 6 / 8.4 |
| Body words, min / max | 0 / 10 |

## Ideas per day

| Day | Ideas |
| --- | ---: |
| Mon 2024-06-03 | 0 |
| Tue 2024-06-04 | 2 |
| Wed 2024-06-05 | 0 |
| Thu 2024-06-06 | 0 |
| Fri 2024-06-07 | 1 |
| Sat 2024-06-08 | 0 |
| Sun 2024-06-09 | 0 |

## Sources

| Source | Ideas |
| --- | ---: |
| hn | 2 |
| rss | 1 |

## Categories

| Category | Ideas |
| --- | ---: |
| Other | 2 |
| Case study | 1 |

## Ideas

### Case study (1)

- Idea b · rss · 2024-06-04 · score 0.76

### Other (2)

- [Idea a](https://e.com/a) · hn · 2024-06-04
- Idea c · hn · 2024-06-07
"""
    assert render_markdown(build_digest(items, week_start=MONDAY)) == expected


def test_render_uses_singular_for_one_idea_and_source() -> None:
    text = render_markdown(build_digest([idea("a")], week_start=MONDAY))
    assert "\n1 idea from 1 source.\n" in text
