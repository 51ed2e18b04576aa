"""A fake Channel9.id: generated pages in the Zox News markup, served on 127.0.0.1.

The project's demo and test site: `make demo`, the end-to-end tests and the benchmarks
crawl it instead of the real site, so that each runs offline and gives the same pages. Articles vary
the way the site notes say the real ones do (older and newer theme markup, JSON-LD or not,
lazy images, missing authors, captions repeating the title, auto-loaded further articles,
datelines, editor initials, "Baca juga" links), and each knows the item it must become.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JAKARTA = timezone(timedelta(hours=7))
CATEGORIES = {
    "nasional": "Nasional",
    "internasional": "Internasional",
    "politik": "Politik",
    "hot-topic": "Hot Topic",
    "ekonomi-bisnis": "Ekonomi & Bisnis",
    "opini": "Opini",
}
PLACES = ["Jakarta", "Jenewa", "Bandung", "Surabaya", "Kuala Lumpur", "Afghanistan"]
AUTHORS = ["Hendra Yusuf", "Rina Agustina", "Bima Sakti", "Dewi Lestari"]
TAGS = ["Ukraina", "Rusia", "DPR", "Pemilu 2024", "Ekonomi", "Jokowi", "NATO", "Banjir"]
WORDS = [
    "pemerintah",
    "menyatakan",
    "bahwa",
    "rencana",
    "tersebut",
    "akan",
    "segera",
    "dibahas",
    "bersama",
    "dewan",
    "perwakilan",
    "rakyat",
    "dalam",
    "rapat",
    "kerja",
    "pekan",
    "depan",
    "sementara",
    "warga",
    "masih",
    "menunggu",
    "kepastian",
    "harga",
    "bahan",
    "pokok",
    "yang",
    "terus",
    "naik",
    "di",
    "berbagai",
    "daerah",
    "menurut",
    "data",
    "terbaru",
]
WEEKDAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
    "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
MARKUPS = ("old", "new", "meta", "body")
PER_PAGE = 10
FEATURED = 3


@dataclass
class FakeArticle:
    """One article of the fake site and the item the crawler must make of it."""

    slug: str
    title: str
    category: str
    extra_categories: list[str]
    tags: list[str]
    author: str | None
    published: datetime
    markup: str
    place: str
    paragraphs: list[str]
    editor: str | None
    lazy_image: bool
    caption: str | None
    opinion_by: str | None = None
    related: str | None = None
    further: list[str] = field(default_factory=list)
    revision: int = 0
    modified: datetime | None = None
    """When an editor last changed it (its sitemap ``<lastmod>``)."""

    def expected(self, base_url: str, theme: bool = True) -> dict[str, Any]:
        """The item fields the crawler must write, all but ``crawled_at``; without the
        ``theme``, from the standard WordPress markup (a full ISO date, no JSON-LD)."""
        if not theme:
            wordpress = {
                "published_at": self.published.isoformat(),
                "published_source": "time",
                # WordPress's ``updated`` time: the publication's until an edit.
                "modified_at": (self.modified or self.published).isoformat(),
            }
            return {
                **self.expected(base_url),
                **wordpress,
                "published_raw": self.published.isoformat(),
            }
        has_time = self.markup in ("new", "meta")
        image = f"{base_url}/wp-content/uploads/{self.published:%Y/%m}/{self.slug}-1000x600.jpg"
        return {
            "url": f"{base_url}/{self.slug}/",
            "title": self.title,
            "category": CATEGORIES[self.category],
            "categories": [CATEGORIES[c] for c in [self.category, *self.extra_categories]],
            "tags": self.tags,
            "author": self.author,
            "published_date": self.published.date().isoformat(),
            "published_at": self.published.isoformat() if has_time else None,
            "published_raw": self.published_raw,
            "published_source": {"old": "time", "new": "jsonld", "meta": "meta", "body": "body"}[
                self.markup
            ],
            "modified_at": self.modified.isoformat() if self.modified else None,
            "dateline": self.place,
            "text": "\n\n".join(self.paragraphs),
            "editor": self.editor,
            "image_url": image,
            "image_caption": self.caption if self.caption != self.title else None,
        }

    @property
    def published_raw(self) -> str:
        return {
            "old": self.published.date().isoformat(),
            "new": self.published.isoformat(),
            "meta": self.published.isoformat(),
            "body": self.body_date,
        }[self.markup]

    @property
    def body_date(self) -> str:
        day = self.published
        return f"{WEEKDAYS_ID[day.weekday()]} ({day.day}/{day.month}/{day.year})"

    @property
    def categories(self) -> list[str]:
        return [self.category, *self.extra_categories]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeSite:
    """The site's pages, generated from ``count`` articles, newest first in each listing."""

    def __init__(
        self, count: int = 40, seed: int = 9, start: datetime | None = None, doors: bool = False
    ) -> None:
        self.doors = doors
        """True: WordPress's feeds and sitemaps are served too (else they answer 404)."""
        self.hidden: set[str] = set()
        """Articles in the feeds and sitemaps that no listing shows."""
        self.also_listed: dict[str, set[str]] = {}
        """By article: categories whose listings show it, though its page names them not."""
        self.theme = True
        """False: pages in the markup of a standard WordPress theme, not Zox News."""
        self.closes_html = True
        """False: no page ends with ``</body></html>`` (HTML lets them out)."""
        self.builder = False
        """True (with ``theme`` False): article pages laid out by a page builder, in markup
        that none of the site's selectors know."""
        self.heavy = False
        """True: every page of the theme carries what a real theme prints around its content
        (inline styles and scripts, preloads, a mega menu, sidebar widgets, a footer: about
        220 KB), for the benchmarks. Nothing of it is any article's."""
        self.gzipped = False
        """True: HTML is served gzipped to a client that accepts it, as WordPress hosts
        serve pages (at nginx's default level)."""
        self.chrome: Chrome | None = None
        """That weight, made at the first page served (:func:`theme_chrome`)."""
        self.random = random.Random(seed)
        self.articles: dict[str, FakeArticle] = {}
        self.order: list[str] = []
        self.requests: list[str] = []
        self.overrides: dict[str, Callable[[int], Reply | None]] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self.clock = start or datetime(2026, 11, 20, 9, 0, tzinfo=JAKARTA)
        for _ in range(count):
            self.add_article()

    def add_article(self) -> FakeArticle:
        """A new article, published after every other one."""
        rnd = self.random
        index = len(self.articles)
        self.clock += timedelta(hours=rnd.randint(1, 30), minutes=rnd.randint(0, 59))
        categories = list(CATEGORIES)
        category = categories[index % len(categories)]
        extras = (
            [c for c in rnd.sample(categories, 2) if c != category][:1] if index % 5 == 0 else []
        )
        title = self._title(index)
        markup = MARKUPS[index % len(MARKUPS)]
        article = FakeArticle(
            slug=f"berita-{index}-{slugify(title)}",
            title=title,
            category=category,
            extra_categories=extras,
            tags=rnd.sample(TAGS, index % 4),
            author=None if index % 7 == 3 else AUTHORS[index % len(AUTHORS)],
            published=self.clock,
            markup=markup,
            place=PLACES[index % len(PLACES)],
            paragraphs=[self._sentence(rnd) for _ in range(rnd.randint(3, 7))],
            editor=None if index % 3 == 2 else rnd.choice(["HY", "RAG", "BS", "DL"]),
            lazy_image=index % 3 == 1,
            caption=[None, title, f"Ilustrasi berita {index}. (Foto: Channel9.id)"][index % 3],
            opinion_by="Dr. Andi Mallarangeng" if category == "opini" else None,
            related=self.order[0] if self.order and index % 2 else None,
        )
        if markup == "body":
            article.paragraphs[0] = f"{article.paragraphs[0][:-1]}, {article.body_date}."
        if index % 6 == 4 and len(self.order) >= 2:
            article.further = self.order[:2]
        self.articles[article.slug] = article
        self.order.insert(0, article.slug)
        return article

    def remove(self, slug: str) -> None:
        """Unpublishes an article: the articles below it in its listings move up."""
        del self.articles[slug]
        self.order.remove(slug)
        for article in self.articles.values():
            article.related = None if article.related == slug else article.related
            article.further = [other for other in article.further if other != slug]

    def promote(self, slug: str) -> None:
        """Puts an article at the top of its listings again, as editors do."""
        self.order.remove(slug)
        self.order.insert(0, slug)

    def edit(self, slug: str) -> None:
        """Changes an article's text, as an editor's correction would."""
        article = self.articles[slug]
        article.revision += 1
        article.paragraphs.append(f"Ralat ke-{article.revision}: judul dan isi diperbaiki.")
        article.modified = datetime.now(JAKARTA).replace(microsecond=0)

    def _title(self, index: int) -> str:
        forms = [
            "DPR Bahas RUU Baru – Pemerintah Minta Ditunda",
            "“Kami Siap,” Kata Menteri soal Harga Beras",
            "Warga Jakarta’s Banjir Surut Setelah Tiga Hari",
            "Jalan Keluar Tak Ditemukan, AS dan Rusia Bertemu",
        ]
        return f"{forms[index % len(forms)]} Nomor {index}"

    @staticmethod
    def _sentence(rnd: random.Random) -> str:
        words = rnd.sample(WORDS, rnd.randint(8, 16))
        return " ".join(words).capitalize() + "."

    def expected(self, base_url: str) -> dict[str, dict[str, Any]]:
        """Every article's expected item, by URL, in the markup served now."""
        items = (a.expected(base_url, self.theme) for a in self.articles.values())
        return {item["url"]: item for item in items}

    def listing(self, category: str) -> list[FakeArticle]:
        return [
            self.articles[slug]
            for slug in self.order
            if category in (*self.articles[slug].categories, *self.also_listed.get(slug, ()))
            and slug not in self.hidden
        ]

    def newest(self, category: str | None = None, count: int = 10) -> list[FakeArticle]:
        """A feed's articles: the newest, hidden ones too."""
        articles = (self.articles[slug] for slug in self.order)
        return [a for a in articles if category in (None, *a.categories)][:count]

    def respond(self, path: str) -> Reply:
        """The reply to a GET of ``path``, faults included."""
        with self.lock:
            self.requests.append(path)
            self.hits[path] = self.hits.get(path, 0) + 1
            hit = self.hits[path]
        override = self.overrides.get(path)
        if override is not None:
            reply = override(hit)
            if reply is not None:
                return reply
        reply = self.page(path)
        if not self.closes_html:
            reply.body = reply.body.replace(b"</body></html>", b"")
        return reply

    def page(self, path: str) -> Reply:
        kind = Renderer if self.theme else BuilderRenderer if self.builder else WordPressRenderer
        render = kind(self)
        if path == "/robots.txt":
            robots = b"User-agent: *\nDisallow: /wp-admin/\n"
            if self.doors:
                robots += b"\nSitemap: BASE/wp-sitemap.xml\n"
            return Reply(200, robots, {"Content-Type": "text/plain"})
        if self.doors and (door := doors(self, path)):
            return door
        if path == "/":
            return render.ok(render.home())
        if path in ("/redaksi/", "/kontak/"):
            return render.ok(render.static_page(path.strip("/").title()))
        parts = path.strip("/").split("/")
        if parts[0] == "category" and len(parts) in (2, 4) and parts[1] in CATEGORIES:
            number = int(parts[3]) if len(parts) == 4 and parts[2] == "page" else 1
            body = render.listing(parts[1], number)
            return render.ok(body) if body else render.not_found()
        if len(parts) == 1 and parts[0] in self.articles:
            return render.ok(render.article_page(self.articles[parts[0]]))
        return render.not_found()


DEMO_START = datetime(2025, 1, 6, 8, 0, tzinfo=JAKARTA)
"""The demo site's first article's time: a fixed past, so that the demo's dataset is the
same on any day."""


def demo_site(count: int = 600, seed: int = 9) -> FakeSite:
    """The site that ``python -m channel9.demo`` and `make demo` serve: ``count`` articles
    from :data:`DEMO_START`, one every 15 hours on average, with feeds and sitemaps."""
    return FakeSite(count=count, seed=seed, start=DEMO_START, doors=True)


def doors(site: FakeSite, path: str) -> Reply | None:
    """WordPress's RSS feeds and core sitemaps (``/wp-sitemap.xml``), as it prints them."""
    xml = {"Content-Type": "application/xml; charset=UTF-8"}
    rss = {"Content-Type": "application/rss+xml; charset=UTF-8"}
    parts = path.strip("/").split("/")
    if path == "/feed/":
        return Reply(200, feed(site.newest()).encode(), rss)
    if len(parts) == 3 and parts[0] == "category" and parts[2] == "feed":
        return Reply(200, feed(site.newest(parts[1])).encode(), rss)
    sitemaps: dict[str, list[tuple[str, datetime | None]]] = {
        "/wp-sitemap-posts-post-1.xml": [
            (f"BASE/{a.slug}/", a.modified or a.published)
            for a in map(site.articles.__getitem__, site.order)
        ],
        "/wp-sitemap-posts-page-1.xml": [("BASE/redaksi/", None), ("BASE/kontak/", None)],
        "/wp-sitemap-taxonomies-category-1.xml": [
            (f"BASE/category/{c}/", None) for c in CATEGORIES
        ],
    }
    if path == "/wp-sitemap.xml":
        entries = "".join(f"<sitemap><loc>BASE{name}</loc></sitemap>" for name in sitemaps)
        index = f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'
        return Reply(200, f'<?xml version="1.0" encoding="UTF-8"?>\n{index}'.encode(), xml)
    if path in sitemaps:
        entries = "".join(
            f"<url><loc>{loc}</loc>"
            + (f"<lastmod>{date.isoformat()}</lastmod>" if date else "")
            + "</url>"
            for loc, date in sitemaps[path]
        )
        urlset = f'<urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'
        return Reply(200, f'<?xml version="1.0" encoding="UTF-8"?>\n{urlset}'.encode(), xml)
    return None


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def feed(articles: list[FakeArticle]) -> str:
    """An RSS 2.0 feed as WordPress prints it."""
    items = "".join(
        f"<item><title>{entity(a.title)}</title><link>BASE/{a.slug}/</link>"
        f"<dc:creator><![CDATA[{a.author or 'Redaksi'}]]></dc:creator>"
        f"<pubDate>{format_datetime(a.published.astimezone(timezone.utc), usegmt=True)}</pubDate>"
        + "".join(f"<category><![CDATA[{CATEGORIES[c]}]]></category>" for c in a.categories)
        + "".join(f"<category><![CDATA[{t}]]></category>" for t in a.tags)
        + f'<guid isPermaLink="false">BASE/?p={a.slug.split("-")[1]}</guid>'
        "<description><![CDATA[Pemerintah menyatakan bahwa [&#8230;]]]></description></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Channel9.id</title>'
        f"<link>BASE</link><language>id</language>{items}</channel></rss>"
    )


class Renderer:
    """The theme's templates, as the site prints them (base URL left to the server)."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site

    def ok(self, body: str) -> Reply:
        return Reply(200, body.encode(), {"Content-Type": "text/html; charset=UTF-8"})

    def not_found(self) -> Reply:
        return Reply(404, self.document("Halaman tidak ditemukan", "<h1>Oops!</h1>").encode())

    def document(self, title: str, body: str, head: str = "") -> str:
        """The page around ``body``, which holds the sidebar where the page has one."""
        chrome = self.chrome()
        return (
            '<!DOCTYPE html>\n<html lang="id-ID"><head><meta charset="UTF-8">'
            f"<title>{title} &#8211; Channel9.id</title>{head}{chrome.head}</head>"
            f'<body><div id="mvp-site">{self.menu()}{chrome.top}{body}{chrome.bottom}</div>'
            "</body></html>"
        )

    def chrome(self) -> Chrome:
        return theme_chrome(self.site) if self.site.heavy else Chrome()

    def menu(self) -> str:
        items = category_items()
        static = (
            '<li><a href="BASE/redaksi/">Redaksi</a></li><li><a href="BASE/kontak/">Kontak</a></li>'
        )
        return (
            f'<nav class="mvp-nav-menu left"><ul class="menu">{items}</ul></nav>'
            f'<div id="mvp-fly-menu-wrap"><nav class="mvp-fly-nav-menu"><ul>{items}{static}</ul>'
            "</nav></div>"
        )

    def home(self) -> str:
        latest = "".join(
            f'<li><a href="BASE/{slug}/" rel="bookmark"><h2>{entity(self.site.articles[slug].title)}</h2></a></li>'
            for slug in self.site.order[:5]
        )
        return self.document(
            "Channel9.id",
            f'<div id="mvp-home-widget-wrap"><ul>{latest}</ul></div>{self.chrome().side}',
        )

    def static_page(self, name: str) -> str:
        body = (
            '<article id="mvp-article-wrap" class="post-2 page type-page status-publish hentry" '
            'itemscope itemtype="http://schema.org/NewsArticle"><header id="mvp-post-head">'
            f'<h1 class="mvp-post-title left entry-title" itemprop="headline">{name}</h1></header>'
            '<div id="mvp-post-content"><div id="mvp-content-main"><p>Pemimpin Redaksi: '
            f"Anonim. Alamat: Jakarta.</p></div></div>{self.chrome().side}</article>"
        )
        return self.document(name, body)

    def listing(self, category: str, number: int) -> str | None:
        articles = self.site.listing(category)
        pages = max(1, -(-(len(articles) - FEATURED) // PER_PAGE))
        if number > pages:
            return None
        featured = ""
        if number == 1:
            featured = (
                '<div id="mvp-cat-feat-wrap">'
                + "".join(
                    f'<div class="mvp-cat-feat-main"><a href="BASE/{a.slug}/" rel="bookmark">'
                    f'<h2 class="mvp-stand-title">{entity(a.title)}</h2></a></div>'
                    for a in articles[:FEATURED]
                )
                + "</div>"
            )
        start = FEATURED + (number - 1) * PER_PAGE
        stories = [
            (f"BASE/{a.slug}/", a.title, CATEGORIES[a.category])
            for a in articles[start : start + PER_PAGE]
        ]
        if number == 1 and category == "nasional":
            stories.insert(1, ("BASE/redaksi/", "Redaksi", "Nasional"))
        items = "".join(
            '<li class="mvp-blog-story-wrap left relative infinite-post">'
            f'<a href="{href}" rel="bookmark"><div class="mvp-blog-story-out"><div class="mvp-blog-story-text">'
            f'<div class="mvp-cat-date-wrap"><span class="mvp-cd-cat">{html.escape(label)}</span>'
            f'<span class="mvp-cd-date">2 hari ago</span></div><h2>{entity(title)}</h2>'
            "<p>Pemerintah menyatakan bahwa rencana tersebut [&hellip;]</p></div></div></a></li>"
            for href, title, label in stories
        )
        base = f"BASE/category/{category}/"
        head = ""
        nav = f"<span>Page {number} of {pages}</span>"
        if number < pages:
            if category in ("nasional", "politik", "opini"):
                head = f'<link rel="next" href="{base}page/{number + 1}/" />'
            nav += (
                f"<a href='{base}page/{number + 1}/' class=\"inactive\">{number + 1}</a>"
                f'<a href="{base}page/{number + 1}/">Next &rsaquo;</a>'
                f"<a href='{base}page/{pages}/'>Last &raquo;</a>"
            )
        body = (
            f'<div id="mvp-main-body-wrap">{featured}'
            f'<ul class="mvp-blog-story-list left relative infinite-content">{items}</ul>'
            '<div class="mvp-inf-more-wrap left relative"><a href="#" class="mvp-inf-more-but">More Posts</a>'
            f'<div class="mvp-nav-links"><div class="pagination">{nav}</div></div></div>'
            f"{self.chrome().side}</div>"
        )
        return self.document(CATEGORIES[category], body, head)

    def article_page(self, article: FakeArticle) -> str:
        head = (
            f'<link rel="canonical" href="BASE/{article.slug}/" />'
            f'<meta property="og:title" content="{entity(article.title)}" />'
            f'<meta property="og:image" content="{self.image(article)}" />'
        )
        if article.markup == "new":
            data = {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebPage", "@id": f"BASE/{article.slug}/"},
                    {
                        "@type": "NewsArticle",
                        "headline": article.title,
                        "datePublished": article.published.isoformat(),
                        "articleSection": [CATEGORIES[c] for c in article.categories],
                    },
                ],
            }
            head += f'<script type="application/ld+json">{json.dumps(data)}</script>'
        if article.markup == "meta":
            head += f'<meta property="article:published_time" content="{article.published.isoformat()}" />'
        if article.modified:
            head += f'<meta property="article:modified_time" content="{article.modified.isoformat()}" />'
        body = self.article(article, first=True) + "".join(
            self.article(self.site.articles[slug], first=False) for slug in article.further
        )
        return self.document(entity(article.title), body, head)

    def image(self, article: FakeArticle) -> str:
        return f"BASE/wp-content/uploads/{article.published:%Y/%m}/{article.slug}-1000x600.jpg"

    def article(self, article: FakeArticle, first: bool) -> str:
        classes = " ".join(f"category-{c}" for c in article.categories)
        tag_classes = " ".join(f"tag-{t.lower().replace(' ', '-')}" for t in article.tags)
        opening = (
            f'<article id="mvp-article-wrap" class="post-{article.slug} post type-post hentry {classes} {tag_classes}"'
            if first
            else f'<article class="mvp-article-wrap post type-post {classes}" id="post-{article.slug}" data-url="BASE/{article.slug}/"'
        )
        day = article.published
        author = (
            '<div class="mvp-author-info-name"><p>By</p><span class="author-name vcard fn author" itemprop="name">'
            f'<a href="BASE/author/{article.author.split()[0].lower()}/" rel="author">{article.author}</a></span></div>'
            if article.author
            else ""
        )
        date = (
            '<div class="mvp-author-info-date left relative"><p>Published</p> '
            '<span class="mvp-post-date">3 tahun ago</span> <p>on</p> '
            '<span class="mvp-post-date updated"><time class="post-date updated" itemprop="datePublished" '
            f'datetime="{day.date().isoformat()}">{day.day} {MONTHS_ID[day.month - 1]} {day.year}</time></span>'
            f'<meta itemprop="dateModified" content="{day.date().isoformat()}"></div>'
            if article.markup != "body"
            else ""
        )
        date_block = f'<div class="mvp-author-info-wrap"><div class="mvp-author-info-text">{author}{date}</div></div>'
        image = self.image(article)
        img = (
            f'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{image}" class="lazyload" />'
            if article.lazy_image
            else f'<img src="{image}" class="wp-post-image" />'
        )
        caption = (
            f'<span class="mvp-feat-caption">{entity(article.caption)}</span>'
            if article.caption
            else ""
        )
        container = "section" if article.markup in ("new", "meta") else "div"
        tags = "".join(
            f'<a href="BASE/tag/{t.lower().replace(" ", "-")}/" rel="tag">{t}</a>'
            for t in article.tags
        )
        return (
            f'{opening} itemscope itemtype="http://schema.org/NewsArticle">'
            '<header id="mvp-post-head" class="left relative">'
            f'<h3 class="mvp-post-cat left relative"><a class="mvp-post-cat-link" href="BASE/category/{article.category}/">'
            f'<span class="mvp-post-cat left">{html.escape(CATEGORIES[article.category])}</span></a></h3>'
            f'<h1 class="mvp-post-title left entry-title" itemprop="headline">{entity(article.title)}</h1>'
            f"{date_block}</header>"
            '<div id="mvp-post-content" class="left relative">'
            f'<div id="mvp-post-feat-img" class="left relative" itemprop="image" itemscope itemtype="https://schema.org/ImageObject">'
            f'{img}<meta itemprop="url" content="{image}"></div>{caption}'
            f'<{container} id="mvp-content-main" class="left relative">{self.body(article)}</{container}>'
            f'<div class="mvp-post-tags"><span class="mvp-post-tags-header">Related Topics:</span><span itemprop="keywords">{tags}</span></div>'
            '<div id="mvp-related-posts"><h4>You may like</h4><ul><li><a href="BASE/"><p>Berita lain</p></a></li></ul></div>'
            f"</div>{self.chrome().side if first else ''}</article>"
        )

    def body(self, article: FakeArticle) -> str:
        first, *rest = article.paragraphs
        separator = ["-", " – ", "-", "–"][len(article.slug) % 4]
        lead = f"Channel9.id{separator}{article.place}. {first}"
        if article.opinion_by:
            lead = f"Oleh: {article.opinion_by} {lead}"
        blocks = [f"<p>{entity(lead)}</p>"]
        for index, paragraph in enumerate(rest):
            blocks.append(f"<p>{entity(paragraph)}</p>")
            if index == 0:
                blocks.append(
                    '<div class="code-block"><ins class="adsbygoogle"></ins>'
                    "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
                )
            if index == 0 and article.related:
                related = self.site.articles[article.related]
                blocks.append(
                    f'<p><strong>Baca juga: <a href="BASE/{related.slug}/">{entity(related.title)}</a></strong></p>'
                )
        if article.editor:
            blocks.append(f"<p>({article.editor})</p>")
        return "".join(blocks)


def category_items() -> str:
    """The theme's menu items of the categories, as its menus and footer list them."""
    return "".join(
        f'<li class="menu-item"><a href="BASE/category/{slug}/">{html.escape(label)}</a></li>'
        for slug, label in CATEGORIES.items()
    )


@dataclass(frozen=True)
class Chrome:
    """What a theme prints around a page's content: in the head, above it, beside it (the
    sidebar: inside the article's root on an article page, as Zox News prints it) and
    below it."""

    head: str = ""
    top: str = ""
    side: str = ""
    bottom: str = ""


def theme_chrome(site: FakeSite) -> Chrome:
    """The weight of a real Zox News page around the content, the same on every page (as a
    theme's is), made once per site: about 60 KB of inline styles, 60 KB of scripts and
    configuration, preloads, a mega menu of the latest articles, sidebar widgets (their
    thumbnails ``wp-post-image``, as WordPress prints a post's image) and a footer, in the
    theme's class names."""
    if site.chrome is not None:
        return site.chrome
    rnd = random.Random(len(site.order))
    rules = "".join(
        f".mvp-w{n}-{rnd.choice(WORDS)} .mvp-{rnd.choice(WORDS)}{{margin:{rnd.randint(0, 40)}px "
        f"{rnd.randint(0, 40)}px;color:#{rnd.randrange(16**6):06x};font-size:{rnd.randint(10, 40)}px;"
        f"line-height:{rnd.random():.2f}}}"
        for n in range(650)
    )
    config = json.dumps(
        {
            "ajaxurl": "BASE/wp-admin/admin-ajax.php",
            "strings": {f"s{n}": " ".join(rnd.sample(WORDS, 6)) for n in range(300)},
            "posts": [f"BASE/{slug}/" for slug in site.order[:100]],
        }
    )
    code = "".join(
        f"function f{n}(a,b){{var c=a.{rnd.choice(WORDS)}||[];for(var i=0;i<c.length;i++)"
        f"{{if(c[i]==={rnd.randint(0, 99)})return b(c[i],'{rnd.choice(WORDS)}')}}return null}}"
        for n in range(300)
    )
    preloads = "".join(
        f'<link rel="preload" href="BASE/wp-content/themes/zox-news/css/part{n}.css?ver=3.{n}" as="style" />'
        f'<link rel="stylesheet" id="zox-part{n}-css" href="BASE/wp-content/themes/zox-news/css/part{n}.css" media="all" />'
        for n in range(20)
    )
    head = (
        f'{preloads}<style id="mvp-custom-style">{rules}</style>'
        f"<script>var mvpSettings = {config};</script><script>{code}</script>"
    )

    def story(slug: str, widget: str) -> str:
        article = site.articles[slug]
        image = f"BASE/wp-content/uploads/{article.published:%Y/%m}/{slug}"
        return (
            f'<div class="{widget}-story left relative"><a href="BASE/{slug}/">'
            f'<div class="{widget}-img left relative"><img width="400" height="240" src="{image}-400x240.jpg" '
            f'class="mvp-reg-img wp-post-image" srcset="{image}-400x240.jpg 400w, '
            f'{image}-300x180.jpg 300w, {image}-1000x600.jpg 1000w" '
            f'sizes="(max-width: 400px) 100vw, 400px" loading="lazy" decoding="async" /></div>'
            f'<div class="{widget}-text left relative"><div class="mvp-cat-date-wrap">'
            f'<span class="mvp-cd-cat">{html.escape(CATEGORIES[article.category])}</span>'
            f'<span class="mvp-cd-date">{rnd.randint(1, 23)} jam ago</span></div>'
            f"<p>{entity(article.title)}</p></div></a></div>"
        )

    latest = site.order[:40]
    mega = "".join(
        f'<div class="mvp-mega-dropdown" data-cat="{category}"><div class="mvp-mega-wrap">'
        + "".join(story(slug, "mvp-mega") for slug in latest[n * 4 : n * 4 + 4])
        + "</div></div>"
        for n, category in enumerate(CATEGORIES)
    )
    sidebar = "".join(
        f'<section class="mvp-side-widget"><div class="mvp-widget-home-head"><h4 '
        f'class="mvp-widget-home-title"><span>{title}</span></h4></div>'
        + "".join(story(slug, "mvp-trend-widget") for slug in latest[start : start + 10])
        + "</section>"
        for title, start in (("Terpopuler", 0), ("Terbaru", 10), ("Pilihan Redaksi", 20))
    )
    cloud = "".join(
        f'<a href="BASE/tag/{slugify(f"{a} {b}")}/" class="tag-cloud-link" style="font-size:'
        f'{rnd.randint(8, 22)}pt">{a} {b}</a>'
        for a, b in (rnd.sample(WORDS, 2) for _ in range(80))
    )
    icons = "".join(
        f'<symbol id="mvp-icon-{n}" viewBox="0 0 24 24"><path d="M{rnd.randint(0, 24)} '
        + " ".join(f"L{rnd.randint(0, 24)} {rnd.randint(0, 24)}" for _ in range(12))
        + 'Z"/></symbol>'
        for n in range(120)
    )
    footer = (
        f'<footer id="mvp-foot-wrap" class="left relative"><div id="mvp-foot-top">'
        f'<ul class="mvp-foot-menu">{category_items() * 3}</ul><div class="mvp-foot-copy"><p>Copyright '
        "&copy; 2026 Channel9.id. All rights reserved.</p></div></div></footer>"
    )
    chrome = Chrome(
        head=head,
        top=f'<svg style="display:none">{icons}</svg>'
        f'<div id="mvp-main-nav-bot" class="left relative">{mega}</div>',
        side=f'<div id="mvp-side-wrap" class="left relative theiaStickySidebar">{sidebar}'
        f'<section class="mvp-side-widget widget_tag_cloud"><div class="tagcloud">{cloud}</div>'
        "</section></div>",
        bottom=footer,
    )
    site.chrome = chrome
    return chrome


class WordPressRenderer(Renderer):
    """The same site in the markup of a standard WordPress theme (as the default themes and
    the theme handbook's templates print it), with none of Zox News's classes."""

    def document(self, title: str, body: str, head: str = "", body_class: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="id-ID"><head><meta charset="UTF-8">'
            f"<title>{title} &#8211; Channel9.id</title>{head}</head>"
            f'<body class="{body_class}"><header id="masthead" class="site-header">'
            f'<nav id="site-navigation" class="main-navigation">{self.menu_items()}</nav></header>'
            f'<main id="main" class="site-main">{body}</main></body></html>'
        )

    def menu_items(self) -> str:
        items = "".join(
            f'<li class="menu-item menu-item-type-taxonomy menu-item-object-category"><a href="BASE/category/{slug}/">{html.escape(label)}</a></li>'
            for slug, label in CATEGORIES.items()
        )
        return f'<ul id="primary-menu" class="menu">{items}<li class="menu-item"><a href="BASE/redaksi/">Redaksi</a></li></ul>'

    def home(self) -> str:
        return self.document(
            "Channel9.id", self.entries(self.site.order[:5]), body_class="home blog"
        )

    def static_page(self, name: str) -> str:
        body = (
            '<article id="post-2" class="post-2 page type-page status-publish hentry">'
            f'<header class="entry-header"><h1 class="entry-title">{name}</h1></header>'
            '<div class="entry-content"><p>Pemimpin Redaksi: Anonim. Alamat: Jakarta.</p></div></article>'
        )
        return self.document(name, body, body_class="page-template-default page page-id-2")

    def entries(self, slugs: list[str]) -> str:
        return "".join(
            f'<article id="post-{slug}" class="post type-post status-publish format-standard hentry">'
            f'<header class="entry-header"><h2 class="entry-title"><a href="BASE/{slug}/" rel="bookmark">'
            f"{entity(self.site.articles[slug].title)}</a></h2></header></article>"
            for slug in slugs
        )

    def listing(self, category: str, number: int) -> str | None:
        articles = self.site.listing(category)
        pages = max(1, -(-len(articles) // PER_PAGE))
        if number > pages:
            return None
        shown = [a.slug for a in articles[(number - 1) * PER_PAGE : number * PER_PAGE]]
        if number == 1 and category == "nasional":
            shown.insert(1, "redaksi")
        entries = self.entries([s for s in shown if s != "redaksi"])
        if "redaksi" in shown:
            entries += '<article class="page type-page hentry"><h2 class="entry-title"><a href="BASE/redaksi/" rel="bookmark">Redaksi</a></h2></article>'
        links = "".join(
            f'<a class="page-numbers" href="BASE/category/{category}/page/{n}/">{n}</a>'
            for n in range(1, pages + 1)
            if n != number
        )
        if number < pages:
            links += f'<a class="next page-numbers" href="BASE/category/{category}/page/{number + 1}/">Berikutnya</a>'
        nav = (
            '<nav class="navigation pagination" aria-label="Pos"><h2 class="screen-reader-text">Navigasi pos</h2>'
            f'<div class="nav-links">{links}</div></nav>'
        )
        return self.document(
            CATEGORIES[category],
            f'<header class="page-header"><h1 class="page-title">{CATEGORIES[category]}</h1></header>{entries}{nav}',
            body_class=f"archive category category-{category}",
        )

    def article_page(self, article: FakeArticle) -> str:
        head = f'<link rel="canonical" href="BASE/{article.slug}/" />'
        return self.document(
            entity(article.title),
            self.article(article, first=True),
            head,
            "post-template-default single single-post",
        )

    def article(self, article: FakeArticle, first: bool) -> str:
        classes = " ".join(f"category-{c}" for c in article.categories)
        tag_classes = " ".join(f"tag-{t.lower().replace(' ', '-')}" for t in article.tags)
        day = article.published
        edited = article.modified or day
        byline = (
            '<span class="byline"><span class="screen-reader-text">Penulis </span>'
            f'<span class="author vcard"><a class="url fn n" href="BASE/author/{article.author.split()[0].lower()}/">{article.author}</a></span></span>'
            if article.author
            else ""
        )
        cats = ", ".join(
            f'<a href="BASE/category/{c}/" rel="category tag">{html.escape(CATEGORIES[c])}</a>'
            for c in article.categories
        )
        tags = ", ".join(
            f'<a href="BASE/tag/{t.lower().replace(" ", "-")}/" rel="tag">{t}</a>'
            for t in article.tags
        )
        caption = f"<figcaption>{entity(article.caption)}</figcaption>" if article.caption else ""
        return (
            f'<article id="post-{article.slug}" class="post-{article.slug} post type-post status-publish format-standard has-post-thumbnail hentry {classes} {tag_classes}">'
            f'<header class="entry-header"><h1 class="entry-title">{entity(article.title)}</h1>'
            '<div class="entry-meta"><span class="posted-on">Diposting pada <a href="BASE/" rel="bookmark">'
            f'<time class="entry-date published" datetime="{day.isoformat()}">{day.day} {MONTHS_ID[day.month - 1]} {day.year}</time>'
            f'<time class="updated" datetime="{edited.isoformat()}">{edited.day} {MONTHS_ID[edited.month - 1]} {edited.year}</time></a></span>'
            f"{byline}</div></header>"
            f'<figure class="post-thumbnail"><img width="1000" height="600" src="{self.image(article)}" class="attachment-post-thumbnail size-post-thumbnail wp-post-image" alt="" />{caption}</figure>'
            f'<div class="entry-content">{self.body(article)}</div>'
            f'<footer class="entry-footer"><span class="cat-links">Kategori: {cats}</span>'
            + (f'<span class="tags-links">Tag: {tags}</span>' if tags else "")
            + "</footer></article>"
        )


class BuilderRenderer(WordPressRenderer):
    """Article pages as a page builder prints them: sections, columns and widgets with the
    builder's own classes, no ``<article>``, no ``entry-content``; WordPress's body classes
    and head (og:title, ``article:published_time``) stay."""

    def article_page(self, article: FakeArticle) -> str:
        head = (
            f'<link rel="canonical" href="BASE/{article.slug}/" />'
            '<meta property="og:type" content="article" />'
            f'<meta property="og:title" content="{entity(article.title)}" />'
            f'<meta property="og:image" content="{self.image(article)}" />'
            f'<meta property="article:published_time" content="{article.published.isoformat()}" />'
            '<meta property="article:modified_time"'
            f' content="{(article.modified or article.published).isoformat()}" />'
        )
        return self.document(
            entity(article.title),
            self.article(article, first=True),
            head,
            f"wp-singular post-template-default single single-post postid-{len(article.slug)} builder-page",
        )

    def article(self, article: FakeArticle, first: bool) -> str:
        day = article.published
        author = (
            f'<a class="pb-meta-link" href="BASE/author/{article.author.split()[0].lower()}/">{article.author}</a>'
            if article.author
            else ""
        )
        paragraphs = "".join(
            f'<div class="pb-widget pb-text"><div class="pb-widget-inner">{block}</div></div>'
            for block in re.findall(
                r"<p>.*?</p>|<div class=\"code-block\">.*?</div>", self.body(article)
            )
        )
        return (
            '<div class="pb-section pb-hero"><div class="pb-column">'
            f'<div class="pb-widget pb-heading"><h1 class="pb-heading-title">{entity(article.title)}</h1></div>'
            f'<div class="pb-widget pb-meta"><span class="pb-meta-date">{day.day} {MONTHS_ID[day.month - 1]} {day.year}</span> {author}</div>'
            "</div></div>"
            f'<div class="pb-section pb-body"><div class="pb-column">{paragraphs}</div></div>'
            '<div class="pb-section pb-share"><div class="pb-column"><span>Bagikan:</span> '
            '<a href="https://facebook.com/sharer">Facebook</a> <a href="https://twitter.com/intent">Twitter</a></div></div>'
        )


def slugify(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def entity(text: str | None) -> str:
    """Text as WordPress prints it: escaped, with its typographic entities."""
    return (
        html.escape(text or "", quote=True)
        .replace("–", "&#8211;")
        .replace("“", "&#8220;")
        .replace("”", "&#8221;")
        .replace("’", "&#8217;")
    )


CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<div id="cf-wrapper"><h1>Checking your browser before accessing channel9.id</h1>'
    b'<form id="challenge-form" action="/?__cf_chl_jschl_tk__=x"></form></div></body></html>'
)
DATABASE_ERROR = (
    b"<!DOCTYPE html><html><head><title>Database Error</title></head><body>"
    b"<h1>Error establishing a database connection</h1></body></html>"
)


UNKNOWN_LENGTH = "unknown"
"""A reply's ``Content-Length`` header with this value is sent without one, the end of
the body told by closing the connection."""


def first(hits: int, reply: Reply) -> Callable[[int], Reply | None]:
    """A fault for the first ``hits`` requests of a URL, then the real page."""
    return lambda hit: reply if hit <= hits else None


def always(reply: Reply) -> Callable[[int], Reply | None]:
    return lambda hit: reply


def slow_first(seconds: float) -> Callable[[int], Reply | None]:
    """The real page, after ``seconds`` on the first request."""

    def fault(hit: int) -> None:
        if hit == 1:
            time.sleep(seconds)

    return fault


def edited_page(site: FakeSite, path: str, edit: Callable[[str], str]) -> Callable[[int], Reply]:
    """The real page, changed by ``edit`` (a part cut out, bytes spoiled...)."""

    def fault(hit: int) -> Reply:
        page = site.page(path)
        return Reply(page.status, edit(page.body.decode()).encode("utf-8", "surrogateescape"))

    return fault


def list_also(site: FakeSite, listing: str, hrefs: list[str]) -> None:
    """The listing page ``listing`` shows these links too, first among its stories."""
    links = "".join(
        f'<li class="mvp-blog-story-wrap"><a href="{href}">x</a></li>' for href in hrefs
    )
    site.overrides[listing] = edited_page(
        site, listing, lambda page: page.replace('infinite-content">', f'infinite-content">{links}')
    )


def takes_gzip(accepted: str) -> bool:
    """Whether a client's ``Accept-Encoding`` takes gzip (not with ``q=0``)."""
    for coding in accepted.split(","):
        name, _, weight = coding.partition(";")
        if name.strip().lower() == "gzip":
            quality = weight.strip().lower().removeprefix("q=") or "1"
            return quality.replace(".", "", 1).isdigit() and float(quality) > 0
    return False


class Server(ThreadingHTTPServer):
    """The site's HTTP server: a thread per connection, quiet when a client hangs up.

    A crawler stopped in the middle of a page, or a browser that closes its tab, resets its
    connection: that is no fault of the site's, and a traceback for it would read as one."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(site: FakeSite, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serves ``site`` on ``port`` of ``host`` (loopback), a free one when 0; yields its
    base URL. A port that cannot be had raises :exc:`OSError` before anything is served."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            reply = site.respond(self.path)
            if reply.status == 0:
                self.close_connection = True
                return
            body = reply.body.replace(b"BASE", base.encode())
            self.send_response(reply.status)
            headers = {"Content-Type": "text/html; charset=UTF-8", **reply.headers}
            html = headers["Content-Type"].startswith("text/html")
            if site.gzipped and html and "Content-Encoding" not in headers:
                headers["Vary"] = "Accept-Encoding"
                if takes_gzip(self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body, compresslevel=1, mtime=0)
                    headers["Content-Encoding"] = "gzip"
            chunked = headers.get("Transfer-Encoding") == "chunked"
            if headers.get("Content-Length") == UNKNOWN_LENGTH:
                del headers["Content-Length"]
                self.close_connection = True
            elif not chunked:
                headers.setdefault("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value.replace("BASE", base))
            self.end_headers()
            if chunked:
                for start in range(0, len(body), 1000):
                    chunk = body[start : start + 1000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = Server((host, port), Handler)
    base = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
