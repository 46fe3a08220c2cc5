"""A reproducible news corpus for the benchmark, built at run time from ../shared.

Why built, not stored: the project never carries article texts from ../shared,
and 10,000 pages would be megabytes of fixtures. Instead the
sources are read at run time and each corpus item is a small, seeded recipe
(which source, which filler paragraphs, which date shift) that `render_page`
turns into HTML on demand, identically in every process (the loopback server
rebuilds the same corpus from the same seed).

Sources:
- relevant: eval articles with gold events (dev.jsonl, seed.gold.jsonl) and the
  demo world's relevant pages (flows/demo_data);
- near misses: eval articles without events that still name a critical mineral;
- irrelevant: real saved pages from peers/ (fundus, trafilatura, scrapinghub-aeb)
  and eval articles that name no critical mineral.

Mix per item (seeded): RELEVANT_SHARE relevant, NEAR_MISS_SHARE near misses, the
rest irrelevant. Variants differ by light perturbation: filler paragraphs from
other irrelevant sources, shuffled paragraphs (irrelevant only), a date shift,
their own URL and outlet.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property, lru_cache
from pathlib import Path

from extractors.relevance import has_commodity

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEMO_DATA = Path(__file__).resolve().parents[1] / "flows" / "demo_data"

RELEVANT_SHARE = 0.20
NEAR_MISS_SHARE = 0.05
DEFAULT_FEEDS = 50
DEFAULT_SEED = 20251030
_P_RX = re.compile(rb"(<p(?:\s[^>]*)?>)(.*?)(</p>)", re.IGNORECASE | re.DOTALL)
_TITLE_RX = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SCRIPTS = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_OUTLETS = (
    "Harbour Ledger", "Metals Daily", "Continental Post", "Pacific Courier", "Northern Tribune",
    "Trade Wire", "Valley Herald", "Capital Observer", "Eastern Standard", "Market Bulletin",
)  # fmt: skip


_QUICK_TERMS = (
    "rare earth", "rare-earth", "critical", "strategic", "mineral", "magnet", "lithium", "cobalt",
    "nickel", "graphite", "gallium", "germanium", "antimony", "tungsten", "mining", "manganese",
    "scandium", "yttrium", "lanthanum", "cerium", "dymium", "samarium", "europium", "gadolinium",
    "terbium", "dysprosium", "holmium", "erbium", "thulium", "lutetium", "promethium", "tantalum",
    "niobium", "indium", "tellurium", "bismuth", "vanadium", "molybdenum", "beryllium", "hafnium",
    "ndfeb", "superhard", "seabed", "deep sea", "deep-sea",
)  # fmt: skip


class SharedDataMissing(RuntimeError):
    """../shared (eval sets, peer pages) is not there: the benchmark cannot build its corpus."""


@lru_cache(maxsize=1024)
def _inflate(data: bytes) -> bytes:
    """Decompressed page, cached: the server renders each source page many times."""
    return gzip.decompress(data)


@dataclass(frozen=True)
class Source:
    """One real document the corpus draws from: plain text paragraphs or a saved HTML page."""

    key: str
    kind: str  # "text" | "html"
    category: str  # "relevant" | "near_miss" | "irrelevant"
    title: str
    published: date
    paragraphs: tuple[str, ...] = ()
    html_gz: bytes | None = None  # kept compressed: ~15 MB for all peer pages

    def html_bytes(self) -> bytes:
        assert self.html_gz is not None
        return _inflate(self.html_gz)


@dataclass(frozen=True)
class Item:
    """One corpus article: a source plus its perturbation (what makes it a distinct page)."""

    index: int
    source: str  # Source.key
    category: str
    feed: int
    route: str
    title: str
    published: datetime
    outlet: str
    fillers: tuple[int, ...] = ()  # indices into Corpus.filler_paragraphs
    shuffle: int | None = None  # seed for a paragraph shuffle (irrelevant text sources only)


@dataclass
class Corpus:
    """Sources plus seeded items; `render_page` and `render_feed` produce the served bytes."""

    sources: dict[str, Source]
    items: list[Item]
    filler_paragraphs: list[str]
    n_feeds: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)  # sources per category

    # ------------------------------------------------------------------ pages
    def render_page(self, item: Item) -> bytes:
        src = self.sources[item.source]
        fillers = [self.filler_paragraphs[i] for i in item.fillers]
        if src.kind == "html":
            if src.category == "relevant":  # never overwrite the paragraphs that hold events
                return _append_html(src.html_bytes(), fillers)
            return _perturb_html(src.html_bytes(), fillers, item.index)
        paras = list(src.paragraphs)
        if item.shuffle is not None:
            paras = paras + fillers
            random.Random(item.shuffle).shuffle(paras)
        else:
            paras = paras + fillers  # relevant text: keep its order, add "related" paragraphs
        return _article_html(item, paras)

    @cached_property
    def by_feed(self) -> list[list[Item]]:
        feeds: list[list[Item]] = [[] for _ in range(self.n_feeds)]
        for item in self.items:
            feeds[item.feed].append(item)
        return feeds

    def render_feed(self, feed: int, base_url: str) -> bytes:
        """RSS 2.0 with every item of one feed, newest first, absolute links."""
        items = sorted(self.by_feed[feed], key=lambda it: (it.published, it.index), reverse=True)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
            f"<title>Bench feed {feed}</title><link>{base_url}/</link>",
            f"<description>reewatch benchmark feed {feed}</description>",
        ]
        for it in items:
            link = html.escape(base_url + it.route)
            parts.append(
                f"<item><title>{html.escape(it.title)}</title><link>{link}</link>"
                f"<guid isPermaLink=\"true\">{link}</guid>"
                f"<pubDate>{format_datetime(it.published)}</pubDate>"
                f"<description>{html.escape(self.summary(it))}</description></item>"
            )
        parts.append("</channel></rss>\n")
        return "".join(parts).encode("utf-8")

    def summary(self, item: Item) -> str:
        src = self.sources[item.source]
        first = next((p for p in src.paragraphs if len(p) > 60), src.title)
        return first[:280]

    def feed_path(self, feed: int) -> str:
        return f"/feeds/{feed:03d}.xml"

    def composition(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for it in self.items:
            kind = self.sources[it.source].kind
            out[it.category] = out.get(it.category, 0) + 1
            out[f"{kind}_pages"] = out.get(f"{kind}_pages", 0) + 1
        return out


# ---------------------------------------------------------------------- rendering
def _article_html(item: Item, paragraphs: list[str]) -> bytes:
    """A plausible news page around the text: nav, byline, time, related links, footer."""
    iso = item.published.isoformat()
    title = html.escape(item.title)
    outlet = html.escape(item.outlet)
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p.strip())
    nav = "".join(
        f'<li><a href="/section/{s.lower()}">{s}</a></li>'
        for s in ("World", "Business", "Markets", "Politics", "Tech", "Opinion")
    )
    related = "".join(
        f'<li><a href="/n/related/{item.index}-{k}">More from {outlet}: story {k}</a></li>'
        for k in range(4)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{iso}">
<meta name="author" content="Staff reporter"></head>
<body><header><a href="/" class="logo">{outlet}</a><nav><ul>{nav}</ul></nav>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<main><article><h1>{title}</h1>
<p class="byline">By Staff reporter &middot; <time datetime="{iso}">{item.published:%B %d, %Y}</time></p>
{body}
</article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside></main>
<footer><p>Sign up for our newsletter.</p><p>&copy; 2026 {outlet}. All rights reserved.</p></footer>
</body></html>
"""
    return page.encode("utf-8")


def _append_html(page: bytes, fillers: list[str]) -> bytes:
    """Add filler paragraphs after the article body (a "related" box), leaving it intact."""
    if not fillers:
        return page
    extra = "".join(f"<p>{html.escape(f)}</p>" for f in fillers).encode("utf-8")
    for marker in (b"</article>", b"</main>", b"</body>"):
        if marker in page:
            return page.replace(marker, extra + marker, 1)
    return page + extra


_SPANS: dict[int, list[tuple[int, int]]] = {}


def _p_spans(page: bytes) -> list[tuple[int, int]]:
    """(start, end) of the text of each longer <p> element, cached per page object."""
    key = id(page)
    if key not in _SPANS:
        _SPANS[key] = [m.span(2) for m in _P_RX.finditer(page) if len(m.group(2)) > 80]
    return _SPANS[key]


def _perturb_html(page: bytes, fillers: list[str], salt: int) -> bytes:
    """Replace the text of a few <p> elements by filler paragraphs (a distinct page, same layout)."""
    if not fillers:
        return page
    matches = _p_spans(page)
    if not matches:
        extra = "".join(f"<p>{html.escape(f)}</p>" for f in fillers).encode()
        return page.replace(b"</body>", extra + b"</body>", 1)
    rng = random.Random(salt)
    chosen = sorted(rng.sample(range(len(matches)), min(len(fillers), len(matches))))
    out, pos = [], 0
    for k, idx in enumerate(chosen):
        start, end = matches[idx]
        out += [page[pos:start], html.escape(fillers[k]).encode("utf-8")]
        pos = end
    out.append(page[pos:])
    return b"".join(out)


# ---------------------------------------------------------------------- loading
def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n+", text or "") if p.strip())


def _page_title(page: bytes, fallback: str) -> str:
    m = _TITLE_RX.search(page[:200_000])
    if m:
        title = html.unescape(_TAGS.sub(" ", m.group(1).decode("utf-8", "replace")))
        title = re.sub(r"\s+", " ", title).strip()
        if title:
            return title[:200]
    return fallback


@lru_cache(maxsize=4)
def load_sources(shared: Path = SHARED, demo_data: Path = DEMO_DATA) -> tuple[tuple[Source, ...], tuple[str, ...]]:
    """All sources plus a pool of irrelevant filler paragraphs; raises SharedDataMissing."""
    eval_dir = shared / "eval"
    peers = shared / "peers"
    if not (eval_dir / "dev.jsonl").is_file() or not peers.is_dir():
        raise SharedDataMissing(
            f"{shared} (eval/dev.jsonl and peers/) is absent: the benchmark builds its corpus "
            "from it at run time; run it where ../shared is mounted"
        )
    sources: list[Source] = []
    fillers: list[str] = []
    for name in ("dev.jsonl", "seed.gold.jsonl"):
        path = eval_dir / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text = row.get("text") or ""
            if row.get("events"):
                cat = "relevant"
            elif has_commodity(text) or has_commodity(row.get("title") or ""):
                cat = "near_miss"
            else:
                cat = "irrelevant"
            paras = _paragraphs(text)
            sources.append(Source(f"eval:{row['id']}", "text", cat, row.get("title") or "",
                                  _day(row.get("published")) or date(2025, 10, 1), paras))
            if cat == "irrelevant":
                fillers += [p for p in paras if 120 <= len(p) <= 900]
    # fundus: real pages with title and date in index.jsonl
    index = peers / "fundus" / "index.jsonl"
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            path = peers / "fundus" / row["html"]
            if path.is_file():
                sources.append(_html_source(f"fundus:{row['id']}", path, row.get("title"),
                                            _day(row.get("publishing_date"))))
    # trafilatura's English news pages
    manifest = peers / "trafilatura" / "manifest.jsonl"
    meta_path = peers / "trafilatura" / "evaldata_en_news.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            path = peers / "trafilatura" / row["html_gz"]
            info = meta.get(row["key"], {})
            if path.is_file():
                sources.append(_html_source(f"trafilatura:{row['html_gz']}", path, info.get("title"),
                                            _day(info.get("date"))))
    # scrapinghub article-extraction-benchmark: pages plus clean bodies (filler pool)
    aeb = peers / "scrapinghub-aeb"
    truth_path = aeb / "ground-truth.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.is_file() else {}
    for key, row in sorted(truth.items()):
        body = row.get("articleBody") or ""
        if not has_commodity(body):
            fillers += [p for p in _paragraphs(body) if 120 <= len(p) <= 900 and p.isascii()]
        path = aeb / "html" / f"{key}.html.gz"
        if path.is_file():
            sources.append(_html_source(f"aeb:{key[:16]}", path, None, None))
    # the demo world's pages (invented outlets, hand-annotated)
    demo_manifest = demo_data / "manifest.json"
    if demo_manifest.is_file():
        demo = json.loads(demo_manifest.read_text(encoding="utf-8"))
        routes = demo.get("routes", {})
        for art in demo.get("articles", []):
            spec = routes.get(art.get("route"), {})
            path = demo_data / spec.get("file", "")
            if art.get("kind") != "html" or not path.is_file():
                continue
            body = path.read_bytes()
            cat = "relevant" if art.get("relevant") else "irrelevant"
            sources.append(Source(f"demo:{art['key']}", "html", cat, art.get("title") or "",
                                  _day(art.get("published")) or date(2025, 10, 15),
                                  (art.get("title") or "",), gzip.compress(body, 6)))
    fillers = sorted(set(f for f in fillers if not has_commodity(f)))
    return tuple(sources), tuple(fillers)


def _html_source(key: str, path: Path, title: str | None, published: date | None) -> Source:
    raw = path.read_bytes()
    page = gzip.decompress(raw)
    text_title = title or _page_title(page, key)
    # Pages that name a critical mineral are near misses, not plain irrelevant news.
    # (the lexicon regex is slow on whole pages: a substring pre-check first)
    plain = _TAGS.sub(" ", _SCRIPTS.sub(b" ", page).decode("utf-8", "replace"))
    low = plain.lower()
    maybe = any(k in low for k in _QUICK_TERMS)
    cat = "near_miss" if maybe and has_commodity(plain) else "irrelevant"
    return Source(key, "html", cat, text_title, published or date(2024, 6, 1), (text_title,), raw)


# ---------------------------------------------------------------------- building
def build_corpus(
    n_articles: int,
    seed: int = DEFAULT_SEED,
    n_feeds: int = DEFAULT_FEEDS,
    shared: Path = SHARED,
    demo_data: Path = DEMO_DATA,
) -> Corpus:
    """The seeded corpus of `n_articles` items spread round-robin over `n_feeds` feeds."""
    if n_articles < 1:
        raise ValueError("n_articles must be at least 1")
    sources, fillers = load_sources(shared, demo_data)
    pools: dict[str, list[Source]] = {"relevant": [], "near_miss": [], "irrelevant": []}
    for s in sources:
        pools[s.category].append(s)
    if not pools["relevant"] or not pools["irrelevant"] or not fillers:
        raise SharedDataMissing(f"{shared} holds no relevant or no irrelevant articles")
    rng = random.Random(seed)
    n_rel = round(n_articles * RELEVANT_SHARE)
    n_near = round(n_articles * NEAR_MISS_SHARE) if pools["near_miss"] else 0
    cats = ["relevant"] * n_rel + ["near_miss"] * n_near
    cats += ["irrelevant"] * (n_articles - len(cats))
    rng.shuffle(cats)
    # Real pages and eval texts alternate within a category (so both kinds are always present).
    counters = {c: 0 for c in pools}
    orders = {c: rng.sample(pools[c], len(pools[c])) for c in pools}
    base_day = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    items = []
    for i, cat in enumerate(cats):
        pool = orders[cat]
        src = pool[counters[cat] % len(pool)]
        counters[cat] += 1
        copy = counters[cat] // len(pool)  # 0 for the first use of a source
        if cat == "relevant":
            # Keep the article's own date (its events are relative to it); later copies
            # come a few days later, as follow-ups and syndicated copies do.
            pub = datetime(src.published.year, src.published.month, src.published.day, 8, 0,
                           tzinfo=UTC) + timedelta(days=min(copy, 20), minutes=rng.randrange(600))
            n_fill = rng.randint(1, 2) if copy else 0
            shuffle = None
        else:
            pub = base_day - timedelta(days=rng.randrange(365), minutes=rng.randrange(1440))
            n_fill = rng.randint(2, 4)
            shuffle = rng.randrange(1 << 30) if src.kind == "text" else None
        fill = tuple(rng.randrange(len(fillers)) for _ in range(n_fill))
        slug = re.sub(r"[^a-z0-9]+", "-", src.title.lower()).strip("-")[:60] or "article"
        feed = i % n_feeds
        items.append(Item(
            index=i, source=src.key, category=cat, feed=feed,
            route=f"/news/{feed:03d}/{pub:%Y/%m/%d}/{i:06d}-{slug}",
            title=src.title if not copy else f"{src.title} ({_OUTLETS[copy % len(_OUTLETS)]})",
            published=pub, outlet=_OUTLETS[(i + copy) % len(_OUTLETS)], fillers=fill,
            shuffle=shuffle,
        ))  # fmt: skip
    counts: dict[str, int] = {}
    for s in sources:
        counts[s.category] = counts.get(s.category, 0) + 1
    return Corpus({s.key: s for s in sources}, items, list(fillers), n_feeds, seed, counts)
