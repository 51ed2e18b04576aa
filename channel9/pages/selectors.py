"""Every selector of Channel9.id's markup, in one place.

The site runs WordPress with the Zox News theme (CSS classes ``mvp-``). Each tuple is an
ordered list of fallbacks: the theme's own markup first, then what WordPress, SEO plugins
and OpenGraph print, so that a change of theme degrades the output instead of emptying it.
A field's fallbacks are grouped by where they come from (``Sourced``: ``theme``,
``wordpress``, ``schema`` for schema.org microdata, ``og``, ``head``): the page parser names
the group each value came from, and the run report counts them, so that a change of
markup shows as a change of sources. What WordPress prints is the markup of its default
themes and of the theme handbook's templates (``post_class()``, ``entry-title``,
``entry-content``, ``entry-date published``, ``byline``, ``rel="category tag"``...).
Selectors are CSS, or XPath when they start with ``/`` or ``./``. A selector ending in
``::attr(...)`` (or ``/@name``) yields the attribute; any other yields its element's text.
"""

from __future__ import annotations

import re

# Article page. Auto-loaded articles follow the first one on the same page: every
# selector below the root is scoped to the first root found.
ARTICLE_ROOT = (
    "article#mvp-article-wrap",
    "article.mvp-article-wrap",
    "article[itemtype*='Article']",
    "article.type-post",
    ".type-post.hentry",
    "article.post",
    "article",
    # Block themes (Twenty Twenty-Four on) print no <article> around a single post, nor do
    # page builders (Elementor, Divi, Beaver Builder): the page's main part, then its body.
    "main",
    "#main",
    "/html/body",
)
# A page is an article when WordPress's classes on the page's body say it is a post
# (body_class(): ``single``, ``postid-<n>``), or, past a listing's classes, when its root
# or head says so: the theme's markers, the post's classes (post_class(): ``type-post``),
# a dated byline, structured data of an article (read apart, in channel9.pages)...
POST_BODY_CLASSES = frozenset({"single", "single-post"})
ARTICLE_MARKERS = (
    "div.mvp-author-info-date",
    "h3.mvp-post-cat",
    "[itemprop=datePublished]",
    "time.post-date",
    "./self::*[contains(concat(' ', normalize-space(@class), ' '), ' type-post ')]",
    "/html/head/meta[@property='og:type'][@content='article']",
    "/html/head/meta[@property='article:published_time']",
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' type-post ')]",
    "time.entry-date",
    "time.published",
)
# ...unless WordPress says it is a static page (``type-page``, ``page-id-<n>``: /redaksi/)
# or an attachment's page (``attachment``, an image's own page: ``single`` too).
STATIC_PAGE_MARKERS = (
    "./self::*[contains(concat(' ', normalize-space(@class), ' '), ' type-page ')]",
    "./self::*[contains(concat(' ', normalize-space(@class), ' '), ' type-attachment ')]",
    "/html/body[contains(concat(' ', normalize-space(@class)), ' page-id-')]",
)
STATIC_BODY_CLASSES = frozenset({"attachment"})
# A listing of posts is no article either, whatever it holds: WordPress's body classes
# of the home page, archives (categories, tags, authors, dates) and search results.
LISTING_BODY_CLASSES = frozenset({"home", "blog", "archive", "search", "error404"})
# ...or by their address (WordPress's bases of archives, and pages of a listing)...
LISTING_PATH = re.compile(r"/(?:category|tag|author|search)/|/page/\d+/?$|^/\d{4}/(?:\d{2}/){0,2}$")
# ...or by the markup of a listing: the theme's, and the numbered pages of an archive.
LISTING_MARKERS = ("ul.mvp-blog-story-list", "#mvp-cat-feat-wrap", "a.next.page-numbers")
# A body with none of WordPress's classes (a headless front end) says nothing either way:
# such a page is an article when the general extractor reads one from it.
WORDPRESS_BODY_CLASSES = POST_BODY_CLASSES | LISTING_BODY_CLASSES | STATIC_BODY_CLASSES | {"page"}
FURTHER_ARTICLES = "article.mvp-article-wrap"
FURTHER_ARTICLE_LINKS = (
    "./@data-url",
    "meta[itemprop=mainEntityOfPage]::attr(itemid)",
    "h1 a::attr(href)",
    "a[rel=bookmark]::attr(href)",
)
# A class naming a box that is not the article's: a word of the list, alone or as a part
# of the class name between dashes or underscores ("share-buttons", "post-related"), but
# not after a state prefix ("has-toc", "no-comments" name the page, not a box), nor in a
# post's tags and categories (post_class() prints "tag-social-media" for "Social Media").
BOX_CLASS = (
    r"(^|\s)(?!(?:has|no|show|hide|is|with|enable|disable|tag|category)[_-])([a-z0-9]+[_-])*"
    r"(share|sharing|social|related|newsletter|subscribe|author[_-]box|author[_-]bio|about[_-]author"
    r"|saboxplugin|ez-toc|toc|table-of-contents|adsbygoogle|advert|advertisement|addtoany"
    r"|a2a|yarpp|crp|mc4wp|tags-links|post-tags|breadcrumbs?|comments?|respond|popup"
    r"|latest-posts|latest-comments|wp-block-query|prev-next"
    # Paywalls' boxes (Leaky Paywall, STAT's), the Republication Tracker's box, rating
    # widgets (Rate My Post, kk Star Ratings, WP-PostRatings), and what the page marks as
    # no content of its own (Jetpack's and Yahoo's "robots-nocontent"). By the plugins'
    # names: a review's own table of "ratings" is the article's.
    r"|leaky[_-]paywall|restricted-content|republication|rmp|kk-star-ratings|post-ratings"
    r"|nocontent"
    # SimpleTOC's and LuckyWP's tables of contents, which they do not name "toc",
    # Starbox's author box, and sliders and carousels (slides' captions, other posts).
    r"|simpletoc|lwptoc|abh|slider|carousel)"
    r"([_-][\w-]*)?(?=\s|$)"
)
# A post's own root is no box, whatever words its other terms give its classes:
# post_class() prints the post type (type-post, type-newsletter) beside them
# (topik-newsletter).
POST_ROOT_CLASS = r"(^|\s)type-[\w-]+(\s|$)"
BOX = (
    f"[re:test(@class, '{BOX_CLASS}', 'i')][not(re:test(@class, '{POST_ROOT_CLASS}'))]"
    # Below the page's <body>, whose classes name the page, not a box (Genesis prints
    # "genesis-breadcrumbs-hidden" there).
    "[ancestor::body]"
)
IN_BOX = f"ancestor::*{BOX}"
# A box, or inside one: no fallback for the article's root where none holds a body (a
# comment's or a related post's <article>).
BOXED = f"./ancestor-or-self::*{BOX}"
# Not inside such a box, an aside or a footer (where related posts print their dates).
OUTSIDE_BOXES = f"[not(ancestor::aside or ancestor::footer or {IN_BOX})]"
# Microdata belongs to its item, wherever the theme prints it (tagDiv in the article's
# footer): only a box's, such as a related post's card, is another post's.
OUTSIDE_CARDS = f"[not({IN_BOX})]"
Sourced = tuple[tuple[str, tuple[str, ...]], ...]
"""A field's fallbacks: groups of selectors, each named by where its markup comes from."""

TITLE: Sourced = (
    ("theme", ("h1.mvp-post-title",)),
    (
        "wordpress",
        (
            "h1.entry-title",
            "h1.wp-block-post-title",
            ".entry-title",
            # Page builders' title widgets: Elementor, tagDiv's Newspaper, Divi.
            ".elementor-widget-theme-post-title .elementor-heading-title",
            "h1.tdb-title-text",
            "h1.entry-title.et_pb_module_header",
        ),
    ),
    ("schema", ("[itemprop=headline]",)),
)
# The first links inside a title's element: the one link holding its whole text makes
# the title a link (to another page: another post's title).
TITLE_LINKS = "./descendant::a[@href][position() <= 2]"
# Past the title's own markup: JSON-LD's headline, the head's og:title or <title>
# (PAGE_TITLE, the site's name taken off), and only then the article's first <h1> (a
# related post's heading could be it).
ANY_HEADING = ("h1",)
CATEGORY: Sourced = (
    ("theme", ("h3.mvp-post-cat span.mvp-post-cat", "a.mvp-post-cat-link", "span.mvp-post-cat")),
    (
        "wordpress",
        (
            ".cat-links a[rel~=category]",
            ".taxonomy-category a",
            "a[rel~=category]",
            # tagDiv's Newspaper, Kadence (whose category links say rel="tag").
            ".entry-category a",
            ".category-links a",
        ),
    ),
)
AUTHOR: Sourced = (
    ("theme", ("span.author-name a[rel=author]", "span.author-name")),
    (
        "wordpress",
        (
            ".byline .author a",
            ".author.vcard a",
            # The name of an author's hCard that links nowhere (Kadence), before a byline's
            # other links (its category's).
            ".author.vcard .fn",
            ".byline a",
            ".wp-block-post-author-name a",
            ".wp-block-post-author-name",
            "a[rel=author]",
        ),
    ),
    ("schema", ("[itemprop=author] [itemprop=name]",)),
)
# Past the byline's markup: JSON-LD's author, the head's author meta, microdata's author
# given as text (no item of its own; not a comment's or a review's, nor in a box), then a
# link to the author's archive, which WordPress keeps at /author/<name>/ whatever the theme.
AUTHOR_META = ("/html/head/meta[@name='author']/@content",)
AUTHOR_TEXT = ".//*[@itemprop='author'][not(@itemscope)]"
OTHER_ITEMS_AUTHOR = (
    "./ancestor::*[@itemscope][contains(@itemtype, 'Comment') or contains(@itemtype, 'Review')]"
    f" | ./self::*[{IN_BOX}]"
)
AUTHOR_LINK = (".//a[contains(@href, '/author/')][not(ancestor::*[self::aside or self::footer])]",)
# An e-mail address, in an author's value.
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# "By Jane Doe", "Oleh: Budi", "Posted by admin": the byline's words before the name.
BYLINE_WORDS = re.compile(
    r"^(?:(?:posted|written)\s+)?(?:by|oleh|penulis|author)\b\s*:?\s*", re.IGNORECASE
)
TAGS: Sourced = (
    ("theme", (".mvp-post-tags a[rel=tag]",)),
    (
        "wordpress",
        (
            ".tags-links a",
            ".taxonomy-post_tag a",
            # Block themes and Kadence mark category links rel="tag" too.
            (
                ".//a[@rel='tag'][not(ancestor::*[contains(@class, 'taxonomy-category')"
                " or contains(@class, 'category-links')])]"
            ),
        ),
    ),
)
# Dates in order of precision; JSON-LD comes first and is read apart (channel9.pages).
# What the head holds is sought by XPath from the document root (``/html/head/...``): a
# CSS selector would search the whole page for a head.
PUBLISHED = (
    ("meta", "/html/head/meta[@property='article:published_time']/@content"),
    ("time", f".//time[@itemprop='datePublished']{OUTSIDE_CARDS}/@datetime"),
    ("time", f".//*[@itemprop='datePublished']{OUTSIDE_CARDS}/@content"),
    ("time", "time.post-date::attr(datetime)"),
    ("time", "time.entry-date.published::attr(datetime)"),
    ("time", ".wp-block-post-date time::attr(datetime)"),
    ("text", f".//time[@itemprop='datePublished']{OUTSIDE_CARDS}"),
    ("text", "span.mvp-post-date.updated"),
    ("text", "time.post-date"),
    ("text", "time.entry-date.published"),
    # A dated byline in any theme: a published time, then the first time in the article.
    (
        "time",
        f".//time[contains(concat(' ', @class, ' '), ' published ')]{OUTSIDE_BOXES}/@datetime",
    ),
    (
        "time",
        f".//time[contains(concat(' ', @class, ' '), ' entry-date ')]{OUTSIDE_BOXES}/@datetime",
    ),
    ("meta", "/html/head/meta[@property='og:published_time']/@content"),
    ("time", f".//time[@datetime]{OUTSIDE_BOXES}/@datetime"),
)
RELATIVE_AGE = ("span.mvp-post-date",)
# The last modification, past JSON-LD's dateModified (read apart): Open Graph's article
# meta, schema.org's microdata, WordPress's ``updated`` time (the_modified_date()). A
# moment only: a day alone says too little to order the edits of a day.
MODIFIED = (
    ("meta", "/html/head/meta[@property='article:modified_time']/@content"),
    ("time", f".//time[@itemprop='dateModified']{OUTSIDE_CARDS}/@datetime"),
    ("time", f".//*[@itemprop='dateModified']{OUTSIDE_CARDS}/@content"),
    # WordPress's ``updated`` time, unless a theme put the class on the published time
    # (hentry's microformat asks for one, and Zox News marks its only date so).
    (
        "time",
        (
            ".//time[contains(concat(' ', @class, ' '), ' updated ')]"
            "[not(contains(concat(' ', @class, ' '), ' published '))]"
            "[not(@itemprop='datePublished')]/@datetime"
        ),
    ),
    ("meta", "/html/head/meta[@property='og:updated_time']/@content"),
)
BODY: Sourced = (
    ("theme", ("#mvp-content-main",)),
    ("schema", ("[itemprop=articleBody]",)),
    (
        "wordpress",
        (
            ".entry-content",
            ".wp-block-post-content",
            # The post content as page builders and widespread themes print it: Elementor's
            # Post Content widget, tagDiv (Newspaper), Divi, Beaver Themer, Bricks, Avada.
            ".elementor-widget-theme-post-content",
            ".td-post-content",
            ".tdb_single_content",
            ".et_pb_post_content",
            ".fl-post-content",
            ".brxe-post-content",
            ".post-content",
        ),
    ),
)
# Where no container above is found, the page's text is read by a general-purpose
# extractor (trafilatura): the source ``extractor``.
# Blocks of the body: paragraphs, sub-headings, list items and quotes holding no other block...
BODY_BLOCKS = (
    ".//*[self::p or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or self::li"
    " or self::blockquote or self::pre or self::tr][not(.//p or .//li or .//tr)]"
)
# Text in none of those blocks is read in runs, which HTML's block-level elements end (a
# sentence after a paragraph, a list item's words above its sub-list): its list, as the
# HTML standard's rendering section lays them out as blocks.
# fmt: off
BLOCK_LEVEL = frozenset({
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main", "menu", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
# fmt: on
# The elements HTML reads as raw text or shows not at all: their content is no text of
# the page (left unclosed in a mangled page, they hold the rest of it, markup included).
RAW_TEXT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "textarea",
        "iframe",
        "xmp",
        "plaintext",
        "noembed",
        "noframes",
        "template",
    }
)  # fmt: skip
_IN_RAW_TEXT = " or ".join(f"ancestor::{name}" for name in sorted(RAW_TEXT))
# An element's words outside its links (a letter or a digit: a separator between links,
# "Home » News", is none).
UNLINKED_TEXT = ".//text()[re:test(., '\\w')][not(ancestor::a[@href] or " + _IN_RAW_TEXT + ")]"
# The quotes that embed another site's post, as the embed codes of X (Twitter),
# Instagram, TikTok and Facebook print them: their author and date sit beside the post's
# paragraphs.
EMBEDDED_POSTS = frozenset(
    {"twitter-tweet", "instagram-media", "tiktok-embed", "fb-xfbml-parse-ignore"}
)
# ...unless they sit in a caption, an embed, an ad, a control or a box that is not the
# article's: share buttons, related posts, newsletter forms, author boxes, tables of
# contents, as themes and plugins name them (Jetpack, AddToAny, Yoast, YARPP,
# Mailchimp...), and the labels WordPress hides but for screen readers. These boxes are
# sought from the body down: asked of each block's ancestors instead, libxml2 takes ~1 ms.
BODY_SKIPPED = (
    ".//*[self::figure[not(.//table)] or self::figcaption or self::ins or self::script"
    " or self::style or self::noscript or self::template or self::form or self::button"
    " or self::select or self::aside or self::nav"
    # Another post printed in the article: a card of a block of posts (post_class()).
    " or self::article[re:test(@class, '" + POST_ROOT_CLASS + "')]"
    " or @id = 'mvp-related-posts'"
    " or @class and (contains(@class, 'wp-caption') or contains(@class, 'mvp-related')"
    " or contains(@class, 'sharedaddy') or contains(@class, 'jp-relatedposts')"
    " or contains(@class, 'mvp-post-tags') or contains(@class, 'mvp-ad')"
    " or contains(@class, 'code-block') or contains(@class, 'screen-reader-text')"
    " or re:test(@class, '" + BOX_CLASS + "', 'i'))"
    # Boxes named by their ids only: the Republication Tracker's, Table of Contents Plus's,
    # WordPress's comments and comment form.
    " or @id and re:test(@id, '^(republication-tracker-tool-modal|toc_container|comments"
    "|respond)$')]"
)
# A list of links and nothing else (related posts, a table of contents, tags): left out
# as a box is, unless the lists of links hold half the body's text, their links'
# included (a post that is lists of links). Asked only of lists holding no other list
# (asked of every list, a mangled page nesting a thousand took minutes).
LINK_LISTS = (
    ".//*[(self::ul or self::ol) and li and not(.//ul or .//ol)"
    " and not(text()[normalize-space()])"
    " and not(li[not(.//a[@href]) or " + UNLINKED_TEXT + "])]"
)
# A block's text, and its line breaks (<br>), which separate words as a space does; never
# the content of elements HTML reads as raw text.
BLOCK_TEXT = ".//text()[not(" + _IN_RAW_TEXT + " or ancestor::title[ancestor::body])] | .//br"
# The featured image: an <img> (its attributes read in IMAGE_ATTRIBUTES' order) or an
# address in an attribute.
FEATURED_IMAGE: Sourced = (
    ("theme", ("#mvp-post-feat-img img",)),
    ("wordpress", (".post-thumbnail img", ".wp-block-post-featured-image img")),
    ("schema", ("#mvp-post-feat-img meta[itemprop=url]::attr(content)",)),
    ("og", ("/html/head/meta[@property='og:image']/@content",)),
    # Any post's image, last: a related post's thumbnail is one too.
    ("wordpress", ("img.wp-post-image",)),
)
# Lazy-loading plugins keep the image's address in a data- attribute, a placeholder in src.
IMAGE_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")
IMAGE_CAPTION: Sourced = (
    ("theme", ("span.mvp-feat-caption", "#mvp-post-feat-img figcaption")),
    ("wordpress", (".post-thumbnail figcaption", ".wp-block-post-featured-image figcaption")),
)
# Page-level metadata (the head belongs to the first article).
CANONICAL = (
    "/html/head/link[@rel='canonical']/@href",
    "/html/head/meta[@property='og:url']/@content",
)
PAGE_TITLE = (
    "/html/head/meta[@property='og:title']/@content",
    "/html/head/title",
)
SITE_NAME = ("/html/head/meta[@property='og:site_name']/@content",)
# Between a page's title and the site's name in <title>: "Title - Site", "Site | Title".
TITLE_SEPARATOR = re.compile(r"\s+[-–—|•·:]{1,2}\s+")
JSON_LD = "script[type='application/ld+json']::text"
POST_CLASSES = ("./@class",)
BODY_CLASSES = ("/html/body/@class",)
CATEGORY_CLASS_PREFIX = "category-"

# Home page menu: links to category listings.
MENU_LINKS = (
    ".mvp-nav-menu a",
    "#mvp-fly-menu-wrap a",
    "nav a",
)
CATEGORY_PATH = "/category/"

# Category listing.
LISTING_LINKS = (
    "#mvp-cat-feat-wrap a[rel=bookmark]::attr(href)",
    "ul.mvp-blog-story-list li.mvp-blog-story-wrap > a::attr(href)",
    "ul.mvp-blog-story-list-col li.mvp-blog-story-col > a::attr(href)",
)
LISTING_LINKS_FALLBACK = (
    "article a[rel=bookmark]::attr(href)",
    "h2.entry-title a::attr(href)",
)
NEXT_PAGE = (
    "/html/head/link[@rel='next']/@href",
    ".mvp-nav-links a.next::attr(href)",
    ".pagination a.next::attr(href)",
    ".nav-links a.next.page-numbers::attr(href)",
)
NEXT_PAGE_LABELS = ("next", "berikutnya", "selanjutnya", "›")
PAGE_LINKS = (".pagination a", ".mvp-nav-links a", ".nav-links a")

# Habits of the body text. The dateline opens the first paragraph: "Channel9.id-Jenewa.",
# "Channel9.id – Jakarta.", or after an opinion piece's "Oleh: <Nama>".
DATELINE = re.compile(
    r"^(?:oleh\s*:\s*.{1,80}?\s+)?channel\s?9(?:\.id)?\s*[-–—:,]\s*"
    r"(?P<place>[^\W\d][^.,\n]{0,40}?)\s*[.,]\s*",
    re.IGNORECASE,
)
# Markup of the page's structure in a line of text: a page whose script or comment was
# left open.
MARKUP_LINE = re.compile(
    r"</?(?:script|div|span|p|a|ul|li|section|article|header|footer|main|body|html|nav)\b[^>]*>",
    re.IGNORECASE,
)
# Lines that are no text of the article: a link to another ("Baca juga: ..."), an ad's
# label.
RELATED_LINK = re.compile(
    r"^(?:baca|lihat|simak)\s+(?:juga|pula)\b"
    r"|^(?:related|read\s+(?:more|also)|see\s+also)\s*:"
    r"|^(?:advertisement|iklan|sponsored)$",
    re.IGNORECASE,
)
BYLINE_ALONE = re.compile(r"^oleh\s*:\s*\S.{0,80}$", re.IGNORECASE)
# Editor's initials closing the text: "(HY)", "(RAG)", alone or after the last sentence.
EDITOR_ALONE = re.compile(r"^\(\s*(?P<initials>[A-Z]{2,5}(?:\s*/\s*[A-Z]{2,5})?)\s*\)$")
EDITOR_TRAILING = re.compile(r'(?<=[.!?"”])\s*\(\s*(?P<initials>[A-Z]{2,5})\s*\)$')
# Suffix of the site's <title> and og:title, removed when the title comes from there.
SITE_NAME_SUFFIX = re.compile(r"\s*[-–|]\s*Channel9(?:\.id)?\s*$", re.IGNORECASE)

# Pages served with status 200 that are no content: CDN challenges and error pages. They
# are told apart by their title, headings and the first paragraphs of the body.
PROBLEM_TEXT = (
    "//title//text() | //h1//text() | //body/p//text()"
    " | //*[contains(@class, 'wp-die-message')]//text()"
)
CHALLENGE_MARKERS = (
    "#challenge-form",
    "#cf-wrapper",
    ".cf-browser-verification",
    "#challenge-running",
)
CHALLENGE_PHRASES = (
    "just a moment",
    "attention required",
    "checking your browser",
    "ddos protection",
)
ERROR_PHRASES = (
    "error establishing a database connection",
    "database error",
    "kesalahan saat membuat koneksi database",
    "critical error on this website",
    "kesalahan kritis",
)
# The element of WordPress's page of a fatal error (wp_die()), which it prints after the part
# of the page printed before the error.
FATAL_ERROR_MARK = 'class="wp-die-message"'
# WordPress's message of a PHP fatal error, printed where the page was cut (in English and
# in Indonesian, "Terjadi kesalahan kritis di situs web ini").
FATAL_ERROR_PHRASES = (
    "there has been a critical error on this website",
    "kesalahan kritis di situs web ini",
    "error establishing a database connection",
)

# Feeds and sitemaps (WordPress prints them; see channel9/crawl/discovery.py).
FEED_PATH = "/feed/"
"""The site's RSS 2.0 feed of its newest posts (10 by default); each category has one at
``<category URL>feed/``."""
SITEMAP_PATHS = ("/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml")
"""Where sitemaps are looked for, in order, when robots.txt names none: WordPress core,
then Yoast SEO and Rank Math, then the usual name."""
POST_SITEMAP = re.compile(r"(?:wp-sitemap-posts-post-\d+|/post-sitemap\d*)\.xml(?:\.gz)?$")
"""The sitemaps that list posts (articles), not pages, categories, tags or authors."""
OTHER_SITEMAP = re.compile(r"wp-sitemap-(?!posts-post-)|/(?:page|category|post_tag|author)-sitemap")
"""Sitemaps known to list no articles, should one be named outside an index."""
