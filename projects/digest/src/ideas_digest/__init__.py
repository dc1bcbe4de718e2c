"""Weekly Markdown digest of content ideas, with numpy statistics."""

from ideas_digest.digest import (
    Digest,
    DigestEntry,
    LengthStats,
    build_digest,
    count_by,
    length_stats,
    numpy_major,
)
from ideas_digest.render import escape_markdown, render_markdown

__all__ = [
    "Digest",
    "DigestEntry",
    "LengthStats",
    "build_digest",
    "count_by",
    "escape_markdown",
    "length_stats",
    "numpy_major",
    "render_markdown",
]
