from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from ideas_sources import (
    CollectResult,
    JsonFeedSource,
    SourceError,
    XmlFeedSource,
    collect,
)

ClientFactory = Callable[[Callable[[httpx.Request], httpx.Response]], httpx.Client]

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Blog</title>
  <item>
    <title>Why tests matter</title>
    <link>https://blog.test/tests</link>
    <description>Short essay.</description>
    <guid>post-1</guid>
    <pubDate>Tue, 02 Apr 2024 10:00:00 GMT</pubDate>
    <category>Software Testing</category>
    <category>Café</category>
  </item>
  <item><title>   </title><link>https://blog.test/empty</link></item>
  <item><title>No link</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
  <entry>
    <id>urn:uuid:1</id>
    <title>Release notes 2.0</title>
    <link rel="self" href="https://atom.test/self"/>
    <link rel="alternate" href="https://atom.test/2-0"/>
    <updated>2024-04-03T08:30:00Z</updated>
    <summary>What changed.</summary>
    <category term="releases"/>
  </entry>
</feed>"""


def xml_client(
    make_client: ClientFactory, body: str, status: int = 200
) -> httpx.Client:
    return make_client(lambda r: httpx.Response(status, text=body))


def test_parses_rss_items_and_skips_invalid(make_client: ClientFactory) -> None:
    ideas = XmlFeedSource(xml_client(make_client, RSS), "https://blog.test/rss").fetch()
    assert [i.title for i in ideas] == ["Why tests matter", "No link"]
    first = ideas[0]
    assert first.id == "rss:post-1"
    assert first.url == "https://blog.test/tests"
    assert first.body == "Short essay."
    assert first.tags == {"software-testing", "cafe"}
    assert first.created_at == datetime(2024, 4, 2, 10, tzinfo=UTC)
    assert ideas[1].url is None


def test_parses_atom_entries_preferring_alternate_link(
    make_client: ClientFactory,
) -> None:
    [idea] = XmlFeedSource(
        xml_client(make_client, ATOM), "https://atom.test", "atom"
    ).fetch()
    assert idea.id == "atom:urn:uuid:1"
    assert idea.url == "https://atom.test/2-0"
    assert idea.tags == {"releases"}
    assert idea.created_at == datetime(2024, 4, 3, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<rss><channel>", "invalid XML"),
        ("not xml at all", "invalid XML"),
        ("<html><body/></html>", "unsupported feed root <html>"),
    ],
)
def test_malformed_xml_raises(
    make_client: ClientFactory, document: str, message: str
) -> None:
    with pytest.raises(SourceError, match=message):
        XmlFeedSource(xml_client(make_client, document), "https://x.test").fetch()


def test_http_404_raises(make_client: ClientFactory) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        XmlFeedSource(xml_client(make_client, "", status=404), "https://x.test").fetch()


def test_collect_dedups_across_sources_and_records_errors(
    make_client: ClientFactory,
) -> None:
    json_client = make_client(
        lambda r: httpx.Response(
            200,
            json={
                "items": [
                    {
                        "id": "a",
                        "title": "Same post",
                        "url": "http://www.blog.test/tests/",
                    },
                    {"id": "b", "title": "Only in JSON"},
                    {"id": "c", "title": "only  in json"},
                ]
            },
        )
    )
    broken = JsonFeedSource(
        make_client(lambda r: httpx.Response(500)), "https://down.test", "down"
    )
    result = collect(
        [
            XmlFeedSource(xml_client(make_client, RSS), "https://blog.test/rss"),
            broken,
            JsonFeedSource(json_client, "https://feed.test"),
        ],
        seen={"title:no-link"},
    )
    assert isinstance(result, CollectResult)
    assert [i.title for i in result.ideas] == ["Why tests matter", "Only in JSON"]
    assert result.duplicates == 3
    assert result.errors == ["down: HTTP 500 from https://down.test"]
