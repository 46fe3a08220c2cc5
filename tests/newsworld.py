"""A tiny news world for flow tests: outlets with RSS feeds and article pages on loopback.

Stories are written here for the tests. Each outlet gets a feed at /<outlet>/feed.xml
and its stories at /<outlet>/<slug>.html, served by tests.httpserver.TestServer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from tests.httpserver import TestServer


@dataclass
class Story:
    outlet: str
    slug: str
    title: str
    published: datetime  # aware UTC
    paragraphs: list[str]


@dataclass
class NewsWorld:
    server: TestServer
    stories: dict[str, list[Story]] = field(default_factory=dict)

    def add(self, story: Story) -> str:
        """Publish a story: its page goes live and the outlet's feed lists it."""
        self.stories.setdefault(story.outlet, []).append(story)
        self.server.route(f"/{story.outlet}/{story.slug}.html", page(story))
        self._feed(story.outlet)
        return self.server.url(f"/{story.outlet}/{story.slug}.html")

    def _feed(self, outlet: str) -> None:
        items = []
        for s in self.stories[outlet]:
            link = self.server.url(f"/{outlet}/{s.slug}.html")
            items.append(
                f"<item><title>{escape(s.title)}</title><link>{link}</link>"
                f"<guid>{link}</guid><pubDate>{format_datetime(s.published)}</pubDate>"
                f"<description>{escape(s.paragraphs[0])}</description></item>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{outlet}</title><link>{self.server.url('/' + outlet + '/')}</link>"
            f"<description>{outlet} news</description>{''.join(items)}</channel></rss>"
        )
        self.server.route(f"/{outlet}/feed.xml", body, content_type="application/rss+xml")

    def feed_urls(self) -> list[str]:
        return [self.server.url(f"/{o}/feed.xml") for o in self.stories]

    def write_config(self, path: Path, db: Path, extra: str = "", top: str = "") -> Path:
        """A reewatch.toml with this world's feeds, allow-listing the loopback server.

        `top` holds top-level keys (they must precede any table), `extra` more tables.
        """
        feeds = "".join(f'[[feeds]]\nurl = "{u}"\nname = "{u.split("/")[-2]}"\n\n' for u in self.feed_urls())
        path.write_text(
            f'first_run_days = 36500.0\n{top}\n{feeds}[database]\npath = "{db}"\n\n'
            "[fetch]\n"
            f'allow_hosts = ["{self.server.host_port}"]\n'
            "timeout = 5.0\nretries = 0\nbackoff = 0.05\nper_host_delay = 0.0\nper_host = 8\n"
            "respect_robots = false\n\n" + extra,
            encoding="utf-8",
        )
        return path


def page(story: Story) -> str:
    """An article page with the usual chrome around the story."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(story.title)}</title>'
        f'<meta property="og:site_name" content="{story.outlet}">'
        f'<meta property="article:published_time" content="{story.published.isoformat()}"></head>'
        f"<body><nav><a href='/'>Home</a> | <a href='/markets'>Markets</a></nav>"
        f"<div class='cookie'>We use cookies to improve your experience.</div>"
        f"<article><h1>{escape(story.title)}</h1>{body}</article>"
        f"<aside><h3>Most read</h3><ul><li><a href='/x'>Rain expected at weekend</a></li></ul></aside>"
        f"<footer>© {story.outlet}</footer></body></html>"
    )
