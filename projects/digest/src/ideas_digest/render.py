"""Rendering a digest as Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, timedelta

from ideas_model import Category

from ideas_digest.digest import Digest, DigestEntry

DAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters that would change inline Markdown.

    Covers emphasis, code, links, HTML, strikethrough, headings and the ``|``
    that would split a table cell.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _escape_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _day_label(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]} {day.isoformat()}"


def _category_label(category: Category) -> str:
    return category.value.replace("-", " ").capitalize()


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _table(header: tuple[str, str], rows: Iterable[tuple[str, str]]) -> list[str]:
    lines = [f"| {header[0]} | {header[1]} |", "| --- | ---: |"]
    lines.extend(f"| {label} | {value} |" for label, value in rows)
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _entry_line(entry: DigestEntry) -> str:
    idea = entry.idea
    title = escape_markdown(idea.title)
    link = f"[{title}]({_escape_url(idea.url)})" if idea.url else title
    day = idea.created_at.astimezone(UTC).date()
    parts = [link, escape_markdown(idea.source), day.isoformat()]
    if entry.score is not None:
        parts.append(f"score {entry.score:.2f}")
    return "- " + " · ".join(parts)


def render_markdown(digest: Digest) -> str:
    """The digest as a Markdown document ending with a newline."""
    week = f"{digest.week_start.isoformat()} to {digest.week_end.isoformat()}"
    lines = [f"# Ideas digest: {week}", ""]
    if not digest.entries:
        lines.append("No ideas this week.")
        return "\n".join(lines) + "\n"

    ideas = _plural(digest.total, "idea")
    sources = _plural(len(digest.by_source), "source")
    lines += [
        f"{ideas} from {sources}.",
        "",
        "## Summary",
        "",
    ]
    busiest = digest.busiest_day
    summary = [("Ideas", str(digest.total))]
    if busiest is not None:
        count = digest.per_day[(busiest - digest.week_start).days]
        summary.append(("Busiest day", f"{_day_label(busiest)} ({count})"))
    stats = digest.body_words
    if stats is not None:
        summary += [
            ("Body words, mean", _number(stats.mean)),
            ("Body words, median", _number(stats.median)),
            (
                "Body words, p25 / p75 / p90",
                " / ".join(_number(v) for v in (stats.p25, stats.p75, stats.p90)),
            ),
            ("Body words, min / max", f"{stats.minimum} / {stats.maximum}"),
        ]
    lines += _table(("Statistic", "Value"), summary)

    lines += ["", "## Ideas per day", ""]
    lines += _table(
        ("Day", "Ideas"),
        (
            (_day_label(digest.week_start + timedelta(days=i)), str(n))
            for i, n in enumerate(digest.per_day)
        ),
    )
    lines += ["", "## Sources", ""]
    lines += _table(
        ("Source", "Ideas"),
        ((escape_markdown(source), str(n)) for source, n in digest.by_source),
    )
    lines += ["", "## Categories", ""]
    lines += _table(
        ("Category", "Ideas"),
        ((_category_label(c), str(n)) for c, n in digest.by_category),
    )

    lines += ["", "## Ideas"]
    current: Category | None = None
    counts = dict(digest.by_category)
    for entry in digest.entries:
        if entry.category is not current:
            current = entry.category
            lines += ["", f"### {_category_label(current)} ({counts[current]})", ""]
        lines.append(_entry_line(entry))
    return "\n".join(lines) + "\n"
