"""Page parsing beyond the site's own markup: WordPress as other themes, page builders and
headless front ends print it, the general extractor's part, and the real-page benchmark."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from benchmarks.extraction import FOLDER, author_right, load, read_channel9, scores, text_f1
from benchmarks.extraction import title_right as title_scored
from channel9.pages.parser import ArticlePage, from_html, is_whole, parse_article
from channel9.site import JAKARTA
from tests.pages.test_pages import FIXTURES

FETCHED = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)
URL = "https://example.org/a-post/"
WORDS = " ".join(["kata"] * 12)
PARAGRAPHS = [f"Paragraf {n} tentang banjir di kota, {WORDS}." for n in range(1, 9)]


def page(body: str, body_class: str = "single single-post postid-7", head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Banjir Surut - Kabar Kota</title>'
        f'<meta property="og:site_name" content="Kabar Kota">{head}</head>'
        f'<body class="{body_class}">'
        '<nav><a href="/">Beranda</a> <a href="/tentang/">Tentang</a></nav>'
        f"{body}<footer><p>Hak cipta Kabar Kota. Semua hak dilindungi.</p></footer></body></html>"
    )


def parse(html: str) -> ArticlePage:
    data = html.encode()
    return parse_article(from_html(data), URL, {}, FETCHED, whole=is_whole(html))


def paragraphs(texts: list[str] = PARAGRAPHS) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def post(content: str, head: str = "") -> str:
    """A page of post 7, ``content`` its body's container."""
    return page(
        f'<article class="post-7 post type-post"><div class="entry-content">{content}'
        "</div></article>",
        head=head,
    )


def read_amid_paragraphs(html: str) -> list[str]:
    """The blocks read from ``html`` printed in a post's body between its fourth and fifth
    paragraphs, the paragraphs around them read as they are."""
    result = parse(post(f"{paragraphs(PARAGRAPHS[:4])}{html}{paragraphs(PARAGRAPHS[4:])}"))
    assert result.article is not None
    blocks = result.article.text.split("\n\n")
    assert (blocks[:4], blocks[-4:]) == (PARAGRAPHS[:4], PARAGRAPHS[4:]), blocks
    return blocks[4:-4]


def test_a_page_builder_post_is_read_by_the_general_extractor() -> None:
    widgets = "".join(
        f'<div class="pb-widget"><div class="pb-inner"><p>{text}</p></div></div>'
        for text in PARAGRAPHS
    )
    result = parse(
        page(
            f'<div class="pb-section"><h1 class="pb-title">Banjir Surut</h1>'
            f'<div class="pb-meta">Oleh <a href="/author/rina/">Rina Agustina</a></div>'
            f"{widgets}</div>",
            head='<meta property="article:published_time" content="2026-11-27T08:30:00+07:00">',
        )
    )
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)
    assert (result.article.title, result.article.author) == ("Banjir Surut", "Rina Agustina")
    assert result.article.published_at == "2026-11-27T08:30:00+07:00"
    assert result.sources == {
        "title": "head",
        "author": "wordpress",
        "published_date": "meta",
        "text": "extractor",
    }


def test_a_theme_container_holding_a_teaser_gives_way_to_the_general_extractor() -> None:
    result = parse(
        page(
            '<article class="post-3 post type-post"><div class="post-content"><p>Ringkas.</p>'
            "</div></article>"
            f'<div class="pb-section">{paragraphs()}</div>'
        )
    )
    assert result.article is not None
    assert result.sources["text"] == "extractor"
    # The card of another post (post-3, where the page is postid-7) is no part of it.
    assert result.article.text == "\n\n".join(PARAGRAPHS)


def test_the_post_named_by_the_body_classes_wins_over_a_card_before_it() -> None:
    card = (
        '<article class="post-9 post type-post"><div class="entry-content">'
        f"<p>Kartu tulisan lain, {WORDS} {WORDS} {WORDS} {WORDS} {WORDS} {WORDS} {WORDS}"
        f" {WORDS} {WORDS}.</p></div></article>"
    )
    own = (
        f'<div class="post-7 post type-post"><div class="entry-content">{paragraphs()}</div></div>'
    )
    result = parse(page(card + own))
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)
    assert result.sources["text"] == "wordpress"


@pytest.mark.parametrize(
    ("body_class", "reason"),
    [
        ("page-template-default page page-id-12", "static_page"),
        ("archive category category-kota", "not_article"),
        ("home blog", "not_article"),
        ("search search-results", "not_article"),
    ],
)
def test_static_pages_and_listings_are_refused_by_their_body_classes(
    body_class: str, reason: str
) -> None:
    assert parse(page(f"<main>{paragraphs()}</main>", body_class)).reason == reason


def test_a_theme_calling_its_single_post_blog_still_reads_as_a_post() -> None:
    result = parse(page(f"<main>{paragraphs()}</main>", "single single-post postid-7 blog"))
    assert result.article is not None


def test_a_page_without_wordpress_classes_is_an_article_only_if_it_reads_as_one() -> None:
    long = parse(page(f"<main><h1>Banjir Surut</h1>{paragraphs()}</main>", body_class=""))
    short = parse(page("<main><h1>Banjir Surut</h1><p>Isi singkat.</p></main>", body_class=""))
    assert long.article is not None
    assert long.article.text == "\n\n".join(PARAGRAPHS)
    assert short.reason == "not_article"


def test_a_page_cut_short_is_not_read_by_the_general_extractor() -> None:
    html = page(f'<div class="pb-section">{paragraphs()}</div>')
    cut = html[: html.index(PARAGRAPHS[5])]
    assert not is_whole(cut)
    assert parse(cut).reason == "no_body"


def test_a_page_whose_body_ended_is_read_though_long_styles_follow_it() -> None:
    html = page(f'<div class="pb-section">{paragraphs()}</div>').replace("</html>", "")
    html += "<style>" + ".c{color:red}" * 10_000 + "</style>"
    assert is_whole(html)
    assert parse(html).article is not None


def test_a_php_error_mid_page_is_no_article() -> None:
    html = page(
        f'<div class="pb-section">{paragraphs(PARAGRAPHS[:3])}'
        '<div class="wp-die-message">There has been a critical error on this website.</div></div>'
    )
    assert parse(html).reason == "error_page"


def test_boxes_inside_a_known_container_are_not_the_article() -> None:
    boxes = (
        '<div class="sharedaddy sd-sharing"><p>Bagikan: Facebook Twitter</p></div>'
        '<div class="newsletter-signup"><p>Daftar buletin kami</p></div>'
        '<div class="author-box"><p>Rina menulis tentang kota.</p></div>'
        '<div class="jp-relatedposts"><p>Tulisan terkait</p></div>'
        '<div class="ez-toc-container"><ul><li>Daftar isi</li></ul></div>'
        "<p>Related: Banjir kemarin</p><p>Advertisement</p>"
        # An opt-in popup, WordPress's latest posts and latest comments blocks.
        '<div class="signup-popup"><h5>Daftar sekarang</h5></div>'
        '<ul class="wp-block-latest-posts__list"><li><a href="/b/">Tulisan lain</a></li></ul>'
        '<ol class="wp-block-latest-comments"><li>Budi: setuju</li></ol>'
        # A paywall, a republishing box, rating widgets, what the page marks as no
        # content, tables of contents, the links to the posts before and after, a Query
        # Loop of other posts.
        '<div class="leaky_paywall_message_wrap"><p>Berlangganan untuk membaca</p></div>'
        '<div class="restricted-content-breaker"><h2>Khusus pelanggan</h2></div>'
        '<section class="republication_tracker_tool"><p>Terbitkan ulang tulisan ini</p></section>'
        '<div class="rmp-widgets-container"><p>Seberapa berguna tulisan ini?</p></div>'
        '<div class="kk-star-ratings"><p>Beri bintang</p></div>'
        '<div class="post-ratings"><p>4 suara</p></div>'
        '<p class="jetpack-slideshow-noscript robots-nocontent">Butuh JavaScript.</p>'
        '<h2 class="simpletoc-title">Isi</h2><ul class="simpletoc-list"><li>Bagian</li></ul>'
        '<div class="feast-prev-next"><h2>Berikutnya</h2></div>'
        '<div class="wp-block-query"><ul><li><h3>Pasar Pagi</h3><p>Harga naik.</p></li></ul></div>'
        # An author box, spelt with underscores, and Starbox's; LuckyWP's table of contents;
        # a box named by its id; another post's card printed in the content.
        '<div class="about_author"><p>Rina menulis tentang kota.</p></div>'
        '<div class="abh_box"><section class="vcard author"><p>Rina, penulis.</p></section></div>'
        '<div class="lwptoc"><div class="lwptoc_header"><b>Isi</b></div></div>'
        '<div id="republication-tracker-tool-modal"><h2>Terbitkan ulang</h2></div>'
        '<article class="post-9 post type-post"><h3>Pasar Pagi</h3><p>Harga naik.</p></article>'
        # A slider's captions, a carousel of other posts.
        '<div class="n2-ss-slider-2"><div class="n2-ss-slide">Foto: banjir di kota</div></div>'
        '<div class="owl-carousel"><p>Tulisan lain</p></div>'
    )
    result = parse(post(f"{paragraphs()}{boxes}"))
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)


def test_an_anchor_named_with_a_boxs_word_is_the_articles() -> None:
    # Tables of contents give headings ids from their words; the block editor gives a
    # group the id its author chose.
    heading = '<h2 id="social-media-tips">Tips media sosial</h2>'
    group = '<div id="social-media"><p>Akun resmi kota.</p></div>'
    assert read_amid_paragraphs(heading + group) == ["Tips media sosial", "Akun resmi kota."]


def test_text_in_no_paragraph_is_read_where_the_page_prints_it() -> None:
    # A sentence after a paragraph's end (a line break and a comment in it), a list item's
    # words above its sub-list, a <div> of text; a button (a run that is all a link) is no
    # text.
    content = (
        f"<p>{PARAGRAPHS[0]}</p>{PARAGRAPHS[1]}<br>Masih<!-- iklan --> {WORDS}."
        '<ul><li>Hotel utama: <a href="/h/">Hotel Indah</a>, Bali<ul><li>Kolam renang</li>'
        f"</ul></li></ul><div>{PARAGRAPHS[2]}</div>"
        '<div class="wp-block-button"><a href="/beli/"><strong>Beli sekarang</strong></a></div>'
        f"<p>{PARAGRAPHS[3]}</p>"
    )
    result = parse(post(content))
    assert result.article is not None
    assert result.article.text.split("\n\n") == [
        PARAGRAPHS[0],
        f"{PARAGRAPHS[1]} Masih {WORDS}.",
        "Hotel utama: Hotel Indah, Bali",
        "Kolam renang",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
    ]


def test_words_are_spaced_and_boxes_left_out_wherever_they_sit() -> None:
    # Spaces inside an inline element's edges, block-level elements inside an inline one,
    # a box inside an inline element and inside a block, two line breaks, and a link
    # followed by an invisible character (still a button).
    content = (
        "<div>Harga<strong> naik </strong>tajam</div>"
        "<span><div>Satu</div><div>Dua</div></span>"
        '<div>Teks <span>ini <ins class="adsbygoogle">Iklan</ins>saja</span> akhir</div>'
        '<ul><li>Daftar <span class="sharedaddy">Bagikan</span>pasar</li></ul>'
        "<div>Baris satu<br>baris dua<br> <br>Baca juga: Banjir kemarin</div>"
        '<div><a href="/beli/">Beli</a>\u200b</div>'
    )
    assert read_amid_paragraphs(content) == [
        "Harga naik tajam",
        "Satu",
        "Dua",
        "Teks ini saja akhir",
        "Daftar pasar",
        "Baris satu baris dua",
    ]


def test_text_a_browser_does_not_show_is_not_read_and_anchors_are_no_links() -> None:
    # A template, a button, a select, WordPress's labels for screen readers; a legend
    # apart from what follows it; an anchor without an address is text, separators
    # between links are not.
    content = (
        "<div>Awal<template>Templat</template> kata</div>"
        "<div>Pilih <select><option>Satu</option></select><button>Muat lagi</button></div>"
        '<div><a href="/x/">Baca<span class="screen-reader-text"> tulisan ini</span></a></div>'
        "<fieldset><legend>Catatan</legend>isi catatan</fieldset>"
        '<div><a id="faq-1">Apa itu banjir?</a></div>'
        '<div><a href="/">Beranda</a> » <a href="/kota/">Kota</a></div>'
    )
    assert read_amid_paragraphs(content) == [
        "Awal kata",
        "Pilih",
        "Catatan",
        "isi catatan",
        "Apa itu banjir?",
    ]


def test_runs_end_where_a_browser_ends_a_line() -> None:
    # A box laid out as a block between two sentences; an inline element holding a
    # block, a link first; two line breaks, one inside an inline element.
    content = (
        '<div>Kalimat satu<figure><img src="/a.jpg"><figcaption>Foto</figcaption></figure>'
        "Kalimat dua</div>"
        '<div>Ini kata <span><a href="/x">Jokowi</a><div>Blok teks</div></span> lanjut</div>'
        "<div>satu <b>dua<br></b><br>tiga</div>"
    )
    assert read_amid_paragraphs(content) == [
        "Kalimat satu",
        "Kalimat dua",
        "Ini kata Jokowi",
        "Blok teks",
        "lanjut",
        "satu dua",
        "tiga",
    ]


def test_an_embedded_post_gives_its_paragraphs_alone() -> None:
    # An embedded tweet prints its author and date beside its text, a quote its source;
    # a block holding a box reads as it would without it, a row its cells alone; a
    # symbol alone is no text.
    tweet = (
        '<blockquote class="twitter-tweet"><p>Banjir surut pagi ini.</p>'
        '— Channel9 (@channel9id) <a href="https://twitter.com/x/1">January 21, 2022</a>'
        "</blockquote>"
    )
    quote = '<blockquote class="wp-block-quote"><p>Kutipan.</p><cite>Menteri</cite></blockquote>'
    linked = '<p><a href="/x/">Tautan saja</a><script>var x = 1;</script></p>'
    row = (
        '<table><tr><!-- c --><td>Sel A</td><td class="mvp-ad">Iklan</td><script>var y;</script>'
        "<td>Sel C</td></tr></table>"
    )
    content = f'{tweet}{quote}{linked}{row}<div class="x"><span>×</span></div>'
    assert read_amid_paragraphs(content) == [
        "Banjir surut pagi ini.",
        "Kutipan.",
        "Menteri",
        "Tautan saja",
        "Sel A | Sel C",
    ]


def test_a_post_that_is_a_list_of_links_is_read() -> None:
    items = [f"Banjir di kota nomor {n} surut pagi ini" for n in range(30)]
    links = "".join(f'<li><a href="/{n}/">{item}</a></li>' for n, item in enumerate(items))
    result = parse(post(f"<p>Bacaan pekan ini:</p><ul>{links}</ul>"))
    assert result.article is not None
    assert (result.article.text, result.sources["text"]) == (
        "\n\n".join(["Bacaan pekan ini:", *items]),
        "wordpress",
    )
    # Or several lists, under headings.
    sections = "".join(
        f"<h2>Bagian {part}</h2><ul>{links.replace('/', f'/{part}-', 1)}</ul>"
        for part in ("A", "B")
    )
    result = parse(post(f"<p>Bacaan pekan ini:</p>{sections}"))
    assert result.article is not None
    assert result.article.text == "\n\n".join(
        ["Bacaan pekan ini:", "Bagian A", *items, "Bagian B", *items]
    )


def test_a_list_of_links_and_nothing_else_is_not_the_article() -> None:
    related = '<ul><li><a href="/a/">Banjir kemarin</a></li><li><a href="/b/">Hujan</a></li></ul>'
    sources = '<ol><li>Sumber: <a href="/c/">BMKG</a></li><li><a href="/d/">BPBD</a></li></ol>'
    # A list whose items a theme wrapped in another element; items with more than their
    # links; a list with words before its items.
    wrapped = '<ul><div class="row"><li>Satu butir</li><li>Dua butir</li></div></ul>'
    wrapped += '<ul><li><a href="/h/">Hotel Indah</a> (bintang 5)</li></ul>'
    wrapped += '<ul>Pengantar <li><a href="/p/">Pasar</a></li></ul>'
    # A list of links in a list: only the inner list is asked (asking every list of a
    # mangled page nesting a thousand takes minutes); the outer item's link is no text.
    contents = (
        '<ul><li><a href="#a">Bagian A</a><ul><li><a href="#a1">A.1</a></li></ul></li>'
        "<li>Bagian B</li></ul>"
    )
    result = parse(post(f"{paragraphs()}{related}{sources}{wrapped}{contents}"))
    assert result.article is not None
    assert result.article.text == "\n\n".join(
        [
            *PARAGRAPHS,
            "Sumber: BMKG",
            "BPBD",
            "Satu butir",
            "Dua butir",
            "Hotel Indah (bintang 5)",
            "Pengantar",
            "Pasar",
            "Bagian B",
        ]
    )


def test_a_box_that_holds_most_of_the_text_beside_a_long_script_is_the_article() -> None:
    # A theme's wrapper named as a box around the whole text, and an inline script longer
    # than the text in the same container.
    script = "<script>var config = {" + '"k": "v",' * 500 + "};</script>"
    result = parse(post(f'{script}<div class="share-wrap">{paragraphs()}</div>'))
    assert result.article is not None
    assert (result.article.text, result.sources["text"]) == ("\n\n".join(PARAGRAPHS), "wordpress")


def test_a_box_of_excerpts_after_an_article_full_of_links_is_no_article() -> None:
    # Indonesian news links names and topics in the text: most of its words are links.
    linked = [
        f'<a href="/tag/{n}/">Presiden Joko Widodo</a> mengatakan <a href="/tag/e{n}/">'
        "kebijakan ekonomi nasional</a> berjalan."
        for n in range(10)
    ]
    excerpts = "".join(
        f"<p>Ringkasan tulisan lain nomor {n} tentang harga beras di pasar kota.</p>"
        for n in range(4)
    )
    result = parse(post(f'{paragraphs(linked)}<div class="yarpp-related">{excerpts}</div>'))
    assert result.article is not None
    assert result.article.text == "\n\n".join(
        "Presiden Joko Widodo mengatakan kebijakan ekonomi nasional berjalan." for _ in range(10)
    )


def test_a_box_of_links_beside_a_long_script_is_no_article() -> None:
    # Related posts' links (a box) would be most of the text once the script is set aside.
    script = "<script>var ads = {" + '"slot": "top",' * 500 + "};</script>"
    links = "".join(
        f'<li><a href="/{n}/">Tulisan lain nomor {n} tentang kota dan desa</a></li>'
        for n in range(20)
    )
    result = parse(post(f'{paragraphs()}{script}<div class="related-posts"><ul>{links}</ul></div>'))
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)


def test_the_article_in_a_wrapper_named_with_a_boxs_word_is_the_root() -> None:
    # No postid on the page; a teaser of another post comes first, and the article's
    # wrapper is named as themes name layouts.
    teaser = (
        '<article class="post type-post"><p class="byline">Oleh <a href="/author/budi/">Budi</a>'
        "</p><p>Pasar pagi ramai.</p></article>"
    )
    result = parse(
        page(
            f'<main>{teaser}<div class="layout-with-toc"><article class="post type-post">'
            '<p class="byline">Oleh <a href="/author/rina/">Rina</a></p>'
            f'<div class="entry-content">{paragraphs()}</div></article></div></main>',
            "single single-post",
        )
    )
    assert result.article is not None
    assert (result.article.author, result.article.text) == ("Rina", "\n\n".join(PARAGRAPHS))


def test_two_boxes_that_each_hold_half_of_the_text_are_the_article() -> None:
    halves = "".join(
        f'<div class="share-part">{paragraphs(part)}</div>'
        for part in (PARAGRAPHS[:4], PARAGRAPHS[4:])
    )
    result = parse(post(halves))
    assert result.article is not None
    assert (result.article.text, result.sources["text"]) == ("\n\n".join(PARAGRAPHS), "wordpress")


def test_a_reviews_ratings_and_a_live_blogs_entries_are_the_article() -> None:
    entries = "".join(
        f'<article class="liveblog-entry tag-social-media"><p>{text}</p></article>'
        for text in PARAGRAPHS[6:]
    )
    ratings = '<table class="ratings"><tr><td>Rasa</td><td>4/5</td></tr></table>'
    result = parse(post(f"{paragraphs(PARAGRAPHS[:6])}{ratings}{entries}"))
    assert result.article is not None
    assert result.article.text == "\n\n".join([*PARAGRAPHS[:6], "Rasa | 4/5", *PARAGRAPHS[6:]])


@pytest.mark.parametrize(
    "other",
    [
        # A reader's comment (WordPress's own markup) and a post of a Query Loop block.
        '<ol class="comment-list"><li><article class="comment-body"><footer>Budi</footer>'
        '<div class="comment-content"><p>Setuju sekali.</p></div></article></li></ol>',
        '<div class="wp-block-query"><ul><li class="wp-block-post post-9 type-post hentry">'
        '<h2><a href="/pasar/">Pasar Pagi</a></h2><p>Harga naik.</p></li></ul></div>',
    ],
)
def test_a_comment_or_another_post_printed_before_the_article_is_not_its_root(
    other: str,
) -> None:
    # No postid on the page: the article's root is sought by the fallbacks, and its text,
    # in no container the selectors know, by the general extractor.
    result = parse(
        page(
            f"<main>{other}"
            '<div class="postarea"><h1>Banjir Surut</h1>'
            '<p class="post-date">Posted by <a href="/author/rina/" rel="author">Rina</a></p>'
            f'<div class="post-text">{paragraphs()}</div></div></main>',
            "single single-post",
        )
    )
    assert result.article is not None
    assert (result.article.author, result.sources["author"]) == ("Rina", "wordpress")


def test_a_page_builders_widgets_inside_the_content_are_its_text() -> None:
    # SiteOrigin's Page Builder prints blocks of the content as widgets.
    panels = "".join(
        f'<div class="so-panel widget widget_sow-editor"><div class="textwidget"><p>{text}</p>'
        "</div></div>"
        for text in PARAGRAPHS[6:]
    )
    result = parse(post(f'{paragraphs(PARAGRAPHS[:6])}<div class="panel-layout">{panels}</div>'))
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)


def test_tables_are_read_row_by_row_and_line_breaks_separate_words() -> None:
    table = (
        '<figure class="wp-block-table"><table><tr><th>Kota</th><th>Tinggi air</th></tr>'
        "<tr><td>Jakarta</td><td>40 cm</td></tr></table><figcaption>Sumber: BPBD</figcaption>"
        "</figure><p>Baris satu<br>baris dua</p>"
    )
    result = parse(post(f"{paragraphs()}{table}"))
    assert result.article is not None
    assert result.article.text.endswith(
        "Kota | Tinggi air\n\nJakarta | 40 cm\n\nBaris satu baris dua"
    )


def test_structured_data_names_the_title_author_and_date() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                # As SEO plugins print it: escaped for HTML, inside JSON.
                "headline": "Banjir Surut &#8211; Tiga Hari &amp; Tiga Malam",
                "datePublished": "2026-11-26T21:05:00-05:00",
                "author": {"@id": "https://example.org/#/schema/person/1"},
                # A bare "&" before a word is text, not HTML's legacy "&not".
                "articleSection": ["Kota &amp; Desa", "Tips &notes"],
            },
            {
                "@type": "Person",
                "@id": "https://example.org/#/schema/person/1",
                "name": "Budi &amp; Rina",
            },
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>', head=head))
    assert result.article is not None
    article = result.article
    assert (article.title, article.author, article.categories) == (
        "Banjir Surut – Tiga Hari & Tiga Malam",
        "Budi & Rina",
        ["Kota & Desa", "Tips &notes"],
    )
    # The day in the site's zone: Jakarta, 12 hours ahead of New York.
    assert (article.published_date, article.published_at) == (
        "2026-11-27",
        "2026-11-27T09:05:00+07:00",
    )
    assert {result.sources[name] for name in ("title", "author", "published_date")} == {"jsonld"}


def test_a_reference_too_long_to_be_a_character_is_text() -> None:
    headline = "Banjir &#" + "9" * 5000 + ";"
    graph = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline}
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>', head=head))
    assert result.article is not None
    assert result.article.title == headline


def test_the_head_title_loses_the_site_name() -> None:
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>'))
    assert result.article is not None
    assert (result.article.title, result.sources["title"]) == ("Banjir Surut", "head")


@pytest.mark.parametrize(
    "card",
    [
        # A block of other posts in the body, as tagDiv prints one: the title holds the link.
        '<div class="td_block_inner"><div class="td-module-meta-info">'
        '<h3 class="entry-title td-module-title"><a href="/kemacetan-di-tol/">Kemacetan</a>'
        "</h3></div></div>",
        # A card that is a link as a whole, its title inside.
        '<div class="posts-grid"><a href="https://example.org/harga-beras/"><header>'
        '<h3 class="entry-title">Harga Beras Naik</h3></header></a></div>',
        # A heading marked as a headline, its link inside a part of it.
        '<h2 class="article-title"><a href="/pasar/"><i itemprop="headline">Pasar</i></a></h2>',
    ],
)
def test_a_title_that_links_to_another_page_is_another_posts(card: str) -> None:
    result = parse(post(card + paragraphs()))
    assert result.article is not None
    assert (result.article.title, result.sources["title"]) == ("Banjir Surut", "head")


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org/a-post/",
        "/a-post",
        "https://EXAMPLE.org/a-post/#respond",
        "",
        # The same page however its scheme and host are spelt.
        "http://www.example.org/a-post/",
    ],
)
def test_a_title_that_links_to_its_own_post_is_the_posts(href: str) -> None:
    title = f'<h2 class="entry-title"><a href="{href}">Banjir Surut Pagi Ini</a></h2>'
    result = parse(post(title + paragraphs()))
    assert result.article is not None
    assert (result.article.title, result.sources["title"]) == ("Banjir Surut Pagi Ini", "wordpress")


@pytest.mark.parametrize(
    ("markup", "title"),
    [
        # A link inside the title that is not the title: a tag beside its words.
        (
            '<h1 class="entry-title">Banjir Surut <a href="/tag/banjir/">#banjir</a></h1>',
            "Banjir Surut #banjir",
        ),
        # A link a broken page left open above the post, around all of it.
        ('<h1 class="entry-title">Banjir Surut Pagi Ini</h1>', "Banjir Surut Pagi Ini"),
    ],
)
def test_a_title_is_another_posts_only_where_it_is_a_link_of_the_post(
    markup: str, title: str
) -> None:
    # An unclosed link before the menu: the parser puts the rest of the page inside it.
    result = parse(post(markup + paragraphs()).replace("<nav>", '<a href="/">Logo<nav>', 1))
    assert result.article is not None
    assert (result.article.title, result.sources["title"]) == (title, "wordpress")


def test_a_page_without_a_date_in_its_markup_gets_the_date_finders() -> None:
    data = page(f'<div class="pb-section"><p>Diterbitkan 2026-11-20</p>{paragraphs()}</div>')
    result = parse_article(
        from_html(data), "https://example.org/2026/11/20/a-post/", {}, FETCHED, whole=True
    )
    assert result.article is not None
    assert (result.article.published_date, result.sources["published_date"]) == (
        "2026-11-20",
        "extractor",
    )


def test_scoring_follows_the_benchmarks_readme() -> None:
    assert text_f1("a b b c", "a b c d") == pytest.approx(0.75)
    assert text_f1("", "a") == 0.0
    assert title_scored(
        "Banjir Surut Setelah Tiga Hari - Kabar Kota", "Banjir surut setelah tiga hari"
    )
    assert not title_scored("Banjir Surut - Kabar Kota", "Banjir surut")
    assert not title_scored("Kabar Kota: Banjir Surut", "Banjir Surut")
    assert author_right("By Jane Q. Doe", "Jane Doe")
    assert not author_right("Admin", "Jane Doe")


@pytest.mark.slow
@pytest.mark.skipif(
    not (FOLDER / "dev" / "html").is_dir(),
    reason=f"the real WordPress pages are not at {FOLDER} (set CHANNEL9_WCXB)",
)
def test_real_wordpress_pages_are_read() -> None:
    corpus = load(FOLDER)
    readings = {page.name: read_channel9(page) for page in corpus}
    score = dict(scores(readings, corpus))["not static"]
    assert score.text / score.pages >= 0.95
    assert score.empty / score.pages <= 0.01
    assert score.title / score.pages >= 0.80
    assert score.author / score.authors >= 0.79
    assert score.day / score.days >= 0.90


def test_an_auto_loaded_next_post_is_no_part_of_the_article() -> None:
    nexts = [f"Tulisan berikutnya {n}, {WORDS}." for n in range(1, 9)]
    short = PARAGRAPHS[:3]
    html = page(
        f'<div class="post-7 post type-post"><div class="pb-body">{paragraphs(short)}</div></div>'
        f'<div class="post-8 post type-post"><div class="entry-content">{paragraphs(nexts)}'
        "</div></div>"
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.text == "\n\n".join(short)
    assert result.sources["text"] == "extractor"


def test_of_two_containers_the_first_that_is_no_teaser_is_the_body() -> None:
    nexts = [f"Tulisan berikutnya {n}, {WORDS}." for n in range(1, 12)]
    html = page(
        f'<main><div class="entry-content">{paragraphs()}</div>'
        f'<div class="entry-content">{paragraphs(nexts)}</div></main>'
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.text == "\n\n".join(PARAGRAPHS)


def test_an_attachments_page_is_no_article() -> None:
    html = page(
        '<main><div class="entry-content"><p>IMG_1234</p></div></main>',
        "attachment single single-attachment postid-9",
    )
    assert parse(html).reason == "static_page"


def test_json_ld_of_odd_shapes_is_read_without_failing() -> None:
    data = {"@type": "Article", "headline": "Judul", "author": {"@id": ["a", "b"]}}
    head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>', head=head))
    assert result.article is not None
    assert (result.article.title, result.article.author) == ("Judul", None)


def test_only_the_site_name_is_cut_from_the_head_title() -> None:
    head = '<meta property="og:title" content="Kabar Kota | Jakarta — Bandung: jalan tol dibuka">'
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>', head=head))
    assert result.article is not None
    assert result.article.title == "Jakarta — Bandung: jalan tol dibuka"


def test_no_date_found_leaves_the_date_and_its_source_empty() -> None:
    result = parse(page(f'<div class="pb-section">{paragraphs()}</div>'))
    assert result.article is not None
    article = result.article
    assert (article.published_date, article.published_raw, article.published_source) == (
        None,
        None,
        None,
    )
    assert "published_date" not in result.sources


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "https://example.org/category/kota/",
        "https://example.org/tag/banjir/",
        "https://example.org/author/rina/",
        "https://example.org/kota/page/2/",
        "https://example.org/2024/01/",
        "https://example.org/2024/01/12/",
        "https://example.org/search/beras/",
    ],
)
def test_a_listing_without_body_classes_is_known_by_its_address(url: str) -> None:
    html = page(f"<main>{paragraphs()}</main>", body_class="")
    assert parse_article(from_html(html), url, {}, FETCHED, whole=True).reason == "not_article"


def test_a_listing_without_body_classes_is_known_by_its_markup() -> None:
    stories = "".join(
        f'<li class="mvp-blog-story-wrap"><a href="/post-{n}/"><h2>Judul {n}</h2></a>'
        f"<p>{PARAGRAPHS[n]}</p></li>"
        for n in range(8)
    )
    html = page(f'<ul class="mvp-blog-story-list">{stories}</ul>', body_class="")
    assert parse(html).reason == "not_article"


def test_a_text_ending_in_wordpress_fatal_error_is_an_error_page() -> None:
    cut = post(
        f"{paragraphs()}<p>There has been a critical error on this website.</p>"
        '<p><a href="https://wordpress.org/documentation/">Learn more about troubleshooting'
        " WordPress.</a></p>"
    )
    assert parse(cut).reason == "error_page"


@pytest.mark.parametrize("element", ["textarea", "iframe", "xmp", "plaintext", "noembed"])
def test_an_unclosed_raw_text_element_puts_no_markup_in_the_text(element: str) -> None:
    html = page(
        f'<article class="post-7 post type-post"><div class="entry-content">{paragraphs()}'
        f'<p>Video: <{element}></p></div><div id="sidebar"><p>Widget</p></div></article>'
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.text == "\n\n".join([*PARAGRAPHS, "Video:"])


def test_the_date_finder_gives_no_day_after_the_fetch_in_the_sites_zone() -> None:
    # Fetched at 16:00 UTC on the 30th: 23:00 in Jakarta, the 1st of December not yet.
    fetched = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
    html = page(f'<div class="pb-section">{paragraphs()}</div>')
    result = parse_article(
        from_html(html), "https://example.org/2026/12/01/a-post/", {}, fetched, whole=True
    )
    assert result.article is not None
    assert result.article.published_date is None


def test_a_script_left_open_hands_no_markup_to_the_text() -> None:
    # A comment opened inside a tag: lxml reads the rest of the page as text, markup and
    # all, which the general extractor hands over (found by the fuzz test).
    html = (FIXTURES / "wordpress_article.html").read_text(encoding="utf-8")
    html = html.replace("<script>(adsbygoogle", "<<!--script>(adsbygoogle", 1)
    result = parse_article(from_html(html), "https://channel9.id/x/", {}, FETCHED)
    assert result.article is not None
    assert "<" not in result.article.text


SHORT = PARAGRAPHS[:3]
NEXT = [f"Tulisan berikutnya {n}, {WORDS}." for n in range(1, 12)]


def test_a_short_post_keeps_its_container_before_the_next_posts() -> None:
    html = page(
        f'<div class="entry-content">{paragraphs(SHORT)}</div>'
        f'<div class="entry-content">{paragraphs(NEXT)}</div>',
        body_class="single single-post postid-7",
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.text == "\n\n".join(SHORT)


def test_an_excerpt_in_a_container_gives_way_to_the_post_the_extractor_reads() -> None:
    excerpt = "Ringkasan tulisan yang lain, dipotong di sini [&hellip;]"
    html = page(
        f'<main><div class="post-content"><p>{excerpt}</p></div>'
        f'<div class="pb-section">{paragraphs()}</div></main>'
    )
    result = parse(html)
    assert result.article is not None
    assert result.sources["text"] == "extractor"
    assert PARAGRAPHS[-1] in result.article.text


def test_a_related_posts_date_is_not_the_articles() -> None:
    related = (
        '<section class="related-posts"><article><h3>Lain</h3>'
        '<time class="published" datetime="2023-12-01T08:00:00+07:00">1 Des</time></article>'
        "</section>"
    )
    # The post's own date printed as text (OceanWP's meta), the related post's in a <time>.
    meta = '<ul class="meta"><li class="meta-date">January 12, 2024</li></ul>'
    html = page(
        f'<article class="post-7 post type-post">{meta}<div class="entry-content">'
        f"{paragraphs()}</div>{related}</article>"
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.published_date == "2024-01-12"


def test_a_related_posts_microdata_date_is_not_the_articles() -> None:
    card = (
        '<div class="more-stories"><div class="related-card" itemscope'
        ' itemtype="https://schema.org/BlogPosting"><meta itemprop="datePublished"'
        ' content="2024-05-02T07:00:00+07:00"><h3>Lain</h3></div></div>'
    )
    html = page(
        f'<article class="post-7 post type-post"><time class="entry-date published"'
        f' datetime="2023-09-14T10:00:00+07:00">14 September 2023</time>{card}'
        f'<div class="entry-content">{paragraphs()}</div></article>'
    )
    result = parse(html)
    assert result.article is not None
    assert result.article.published_date == "2023-09-14"


def test_the_articles_microdata_counts_whatever_the_body_and_footer_say() -> None:
    # Genesis names the page "genesis-breadcrumbs-hidden" (a box's word, on <body>);
    # tagDiv prints the article's microdata in its own <footer>; post_class() prints the
    # post's tags and other terms, a box's words among them ("Social Media", "Newsletter").
    html = page(
        '<article class="post-7 post type-post tag-social-media topik-newsletter">'
        '<div class="entry-content">'
        f"{paragraphs()}</div><footer>"
        '<time itemprop="datePublished" datetime="2023-09-14T10:00:00+07:00">14 Sep</time>'
        '<meta itemprop="dateModified" content="2023-09-15T11:00:00+07:00"></footer></article>',
        body_class="single single-post postid-7 genesis-breadcrumbs-hidden",
    )
    result = parse(html)
    assert result.article is not None
    assert (result.article.published_at, result.article.modified_at) == (
        "2023-09-14T10:00:00+07:00",
        "2023-09-15T11:00:00+07:00",
    )


@pytest.mark.parametrize(
    ("path", "stamp", "day", "moment"),
    [
        # Jakarta is the zone set; the site is not in it. A UTC stamp (an SEO plugin's)
        # of an evening post of a site west of Greenwich: the permalink's day, the moment
        # in UTC as written.
        ("/2024/03/05/p/", "2024-03-06T01:10:00+00:00", "2024-03-05", "2024-03-06T01:10:00+00:00"),
        (
            "/blog/2024/03/05/p/",
            "2024-03-05T20:00:00+00:00",
            "2024-03-05",
            "2024-03-05T20:00:00+00:00",
        ),
        # The site's own offset, which agrees with the permalink: told on its clock.
        ("/2024/03/05/p/", "2024-03-05T21:10:00-05:00", "2024-03-05", "2024-03-05T21:10:00-05:00"),
        ("/2024/03/05/p/", "2024-03-05T23:30:00+05:45", "2024-03-05", "2024-03-05T23:30:00+05:45"),
        # The stamp's own clock says another day than the permalink: the zone set decides.
        ("/2024/03/05/p/", "2024-03-06T09:10:00+07:00", "2024-03-06", "2024-03-06T09:10:00+07:00"),
        # Agreeing in the zone set, two days off, on no clock of the world, no date.
        ("/2024/03/06/p/", "2024-03-06T01:10:00+00:00", "2024-03-06", "2024-03-06T08:10:00+07:00"),
        ("/2024/03/04/p/", "2024-03-06T01:10:00+00:00", "2024-03-06", "2024-03-06T08:10:00+07:00"),
        ("/2024/03/05/p/", "2024-03-06T13:00:00+00:00", "2024-03-06", "2024-03-06T20:00:00+07:00"),
        ("/2024/02/30/p/", "2024-03-01T02:00:00+00:00", "2024-03-01", "2024-03-01T09:00:00+07:00"),
        ("/p/", "2024-03-06T01:10:00+00:00", "2024-03-06", "2024-03-06T08:10:00+07:00"),
        # No offset: read in the zone set, whatever the permalink.
        ("/2024/03/05/p/", "2024-03-06T01:10:00", "2024-03-06", "2024-03-06T01:10:00+07:00"),
        # The last day a date can have: no day after it to compare with.
        ("/9999/12/31/p/", "2024-03-06T01:10:00+00:00", "2024-03-06", "2024-03-06T08:10:00+07:00"),
    ],
)
def test_a_dated_permalink_tells_the_sites_day(
    path: str, stamp: str, day: str, moment: str
) -> None:
    head = f'<meta property="article:published_time" content="{stamp}">'
    html = post(paragraphs(), head=head)
    url = f"https://example.org{path}"
    result = parse_article(from_html(html.encode()), url, {}, FETCHED, JAKARTA)
    assert result.article is not None
    assert (result.article.published_date, result.article.published_at) == (day, moment)


def test_a_stamp_of_numbers_run_together_is_no_date_and_takes_none_from_the_permalink() -> None:
    # "2024-03-05-10-07:00" held "05-10-07" (5 October 2007) for the date reader: a run
    # of numbers is now no date, and the permalink gives no day to a stamp unread.
    head = '<meta property="article:published_time" content="2024-03-05-10-07:00">'
    html = post(paragraphs(), head=head)
    url = "https://example.org/2024/03/05/p/"
    result = parse_article(from_html(html.encode()), url, {}, FETCHED, JAKARTA)
    assert result.article is not None
    article = result.article
    assert (article.published_date, article.published_at) == (None, None)
    assert (article.published_raw, article.published_source) == ("2024-03-05-10-07:00", "meta")


def test_a_day_without_a_time_is_the_day_printed_whatever_the_permalink() -> None:
    html = page(
        '<article class="post-7 post type-post"><time class="entry-date published"'
        ' datetime="2025-12-19">19 Desember 2025</time>'
        f'<div class="entry-content">{paragraphs()}</div></article>'
    )
    url = "https://example.org/2025/12/18/a-post/"
    result = parse_article(from_html(html.encode()), url, {}, FETCHED, timezone.utc)
    assert result.article is not None
    assert result.article.published_date == "2025-12-19"


def test_category_links_that_say_rel_tag_are_categories_not_tags() -> None:
    taxonomies = (
        '<div class="entry-taxonomies"><span class="category-links">'
        '<a href="/category/ekonomi/" rel="tag">Ekonomi</a></span></div>'
    )
    html = page(
        f'<article class="post-7 post type-post">{taxonomies}'
        f'<div class="entry-content">{paragraphs()}</div></article>'
    )
    result = parse(html)
    assert result.article is not None
    assert (result.article.category, result.article.tags) == ("Ekonomi", [])


def test_an_attachments_post_element_marks_it_without_body_classes() -> None:
    html = page(
        f'<article class="post-9 attachment type-attachment"><div class="entry-content">'
        f"{paragraphs()}</div></article>",
        body_class="",
    )
    assert parse(html).reason == "static_page"


def test_an_image_whose_host_is_no_host_name_is_no_image() -> None:
    """Markup spliced into an address (found by the fuzz test): ``<`` in a host is left
    as written by URL escaping, and the item's ``image_url`` must be a URI."""
    html = (FIXTURES / "wordpress_article.html").read_text(encoding="utf-8")
    spliced = html.replace(
        'src="https://channel9.id/wp-content', 'src="https://chan<p>nel9.id/wp-content'
    )
    result = parse(spliced)
    assert result.article is not None
    assert result.article.image_url is None


def test_the_author_is_read_from_an_hcard_that_links_nowhere() -> None:
    # Kadence's byline; a reader's comment below the article, marked up as an hCard too.
    byline = (
        '<span class="byline">Oleh <span class="author vcard"><span class="fn n">'
        'Rina Agustina</span></span> di <a href="/category/kota/">Kota</a></span>'
    )
    comment = '<div class="comment"><span class="author vcard"><b class="fn">Budi</b></span></div>'
    result = parse(
        page(
            f'<article class="post-7 post type-post"><header>{byline}</header>'
            f'<div class="entry-content">{paragraphs()}</div>{comment}</article>'
        )
    )
    assert result.article is not None
    assert (result.article.author, result.sources["author"]) == ("Rina Agustina", "wordpress")


@pytest.mark.parametrize(
    ("head", "author", "source"),
    [
        # A byline that prints the account's e-mail address: another source's name first.
        ('<meta name="author" content="Siti Aminah">', "Siti Aminah", "meta"),
        # No other source: the address, rather than nothing.
        ("", "redaksi@kabarkota.example", "wordpress"),
    ],
)
def test_an_e_mail_address_names_the_author_only_where_no_source_gives_a_name(
    head: str, author: str, source: str
) -> None:
    byline = '<div class="byline"><a href="/author/redaksi/">By redaksi@kabarkota.example</a></div>'
    result = parse(
        page(
            f'<article class="post-7 post type-post"><header>{byline}</header>'
            f'<div class="entry-content">{paragraphs()}</div></article>',
            head=head,
        )
    )
    assert result.article is not None
    assert (result.article.author, result.sources["author"]) == (author, source)


@pytest.mark.parametrize(
    ("markup", "head", "author", "source"),
    [
        # An author given as microdata text.
        (
            '<p>Oleh <span itemprop="author"><a href="/tim/rina/">Rina Agustina</a></span></p>',
            "",
            "Rina Agustina",
            "schema",
        ),
        # The head's author meta comes first.
        (
            '<p><span itemprop="author">Rina Agustina</span></p>',
            '<meta name="author" content="Siti Aminah">',
            "Siti Aminah",
            "meta",
        ),
        # A bio, a byline with its date, a review's and a comment's author: no name of
        # the article's author.
        (
            '<div itemprop="author"><h4>Rina</h4><p>Rina menulis tentang kota sejak 2010.</p>'
            "</div>",
            "",
            None,
            None,
        ),
        (
            '<span itemprop="author">Oleh Rina Agustina | Rabu, 1 Mei 2024 10:00 WIB</span>',
            "",
            None,
            None,
        ),
        (
            '<div itemscope itemtype="https://schema.org/Review">'
            '<span itemprop="author">Joko</span></div>',
            "",
            None,
            None,
        ),
        (
            '<div itemscope itemtype="https://schema.org/Comment">'
            '<span itemprop="author">Andi</span></div>',
            "",
            None,
            None,
        ),
    ],
)
def test_microdata_text_names_the_author_only_when_it_is_a_name_of_the_articles(
    markup: str, head: str, author: str | None, source: str | None
) -> None:
    result = parse(
        page(
            f'<article class="post-7 post type-post"><div class="entry-content">{paragraphs()}'
            f"</div>{markup}</article>",
            head=head,
        )
    )
    assert result.article is not None
    assert (result.article.author, result.sources.get("author")) == (author, source)
