"""Idea sources: JSON feed API and RSS/Atom feeds."""

from ideas_sources.base import CollectResult, Source, SourceError, collect
from ideas_sources.json_feed import JsonFeedSource
from ideas_sources.xml_feed import XmlFeedSource

__all__ = [
    "CollectResult",
    "JsonFeedSource",
    "Source",
    "SourceError",
    "XmlFeedSource",
    "collect",
]
