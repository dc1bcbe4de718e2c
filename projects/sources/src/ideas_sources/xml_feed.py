"""RSS 2.0 and Atom feeds, parsed with the standard library."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from ideas_model import Idea, slugify

from ideas_sources.base import SourceError, get, make_id

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _parse_date(value: str) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        return parsedate_to_datetime(value)  # RFC 822, as in RSS
    except (TypeError, ValueError):
        return datetime.fromisoformat(
            value.replace("Z", "+00:00")
        )  # RFC 3339, as in Atom


class XmlFeedSource:
    """Reads the items of an RSS 2.0 ``<channel>`` or the entries of an Atom feed."""

    def __init__(self, client: httpx.Client, url: str, name: str = "rss") -> None:
        self.client = client
        self.url = url
        self.name = name

    def fetch(self) -> list[Idea]:
        response = get(self.client, self.name, self.url)
        return self.parse(response.text)

    def parse(self, document: str) -> list[Idea]:
        try:
            root = ET.fromstring(document)
        except ET.ParseError as exc:
            raise SourceError(self.name, f"invalid XML: {exc}") from exc
        parse_entry: Callable[[ET.Element], Idea]
        if root.tag == "rss":
            elements, parse_entry = root.findall("channel/item"), self._rss_item
        elif root.tag == f"{ATOM}feed":
            elements, parse_entry = root.findall(f"{ATOM}entry"), self._atom_entry
        else:
            raise SourceError(self.name, f"unsupported feed root <{root.tag}>")
        ideas: list[Idea] = []
        for element in elements:
            try:
                ideas.append(parse_entry(element))
            except ValueError as exc:
                log.warning("%s: skipping malformed entry: %s", self.name, exc)
        return ideas

    def _rss_item(self, item: ET.Element) -> Idea:
        title = _text(item, "title")
        link = _text(item, "link") or None
        return Idea(
            id=make_id(self.name, _text(item, "guid"), link or title),
            title=title,
            body=_text(item, "description"),
            source=self.name,
            url=link,
            tags=frozenset(slugify(c.text or "") for c in item.iterfind("category"))
            - {""},
            created_at=_parse_date(_text(item, "pubDate")),
        )

    def _atom_entry(self, entry: ET.Element) -> Idea:
        title = _text(entry, f"{ATOM}title")
        link_el = entry.find(f"{ATOM}link[@rel='alternate']")
        if link_el is None:
            link_el = entry.find(f"{ATOM}link")
        link = link_el.get("href") if link_el is not None else None
        terms = (c.get("term", "") for c in entry.iterfind(f"{ATOM}category"))
        return Idea(
            id=make_id(self.name, _text(entry, f"{ATOM}id"), link or title),
            title=title,
            body=_text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}content"),
            source=self.name,
            url=link,
            tags=frozenset(slugify(t) for t in terms) - {""},
            created_at=_parse_date(_text(entry, f"{ATOM}updated")),
        )
