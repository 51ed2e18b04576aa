"""Article URLs: one form per page for the crawl state, the site's bounds, links resolved."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from channel9.pages.urls import TRACKING_PARAMETERS, absolute, normalize, on_site

SITE = "https://channel9.id"
ARTICLE = "https://channel9.id/kemenkeu-pastikan-gaji-ke-13/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Already normal: unchanged.
        (ARTICLE, ARTICLE),
        ("https://channel9.id/", "https://channel9.id/"),
        ("https://channel9.id/?p=123", "https://channel9.id/?p=123"),
        ("https://channel9.id/?s=jokowi", "https://channel9.id/?s=jokowi"),
        # Fragments.
        (f"{ARTICLE}#comments", ARTICLE),
        (f"{ARTICLE}#respond", ARTICLE),
        (f"{ARTICLE}#", ARTICLE),
        # Tracking parameters, whatever their case; the others stay, in their order.
        ("https://channel9.id/x/?utm_source=x&p=5#c", "https://channel9.id/x/?p=5"),
        (
            f"{ARTICLE}?utm_source=fb&utm_medium=social&utm_campaign=a&utm_term=b"
            "&utm_content=c&utm_id=d&utm_whatever=e",
            ARTICLE,
        ),
        (f"{ARTICLE}?UTM_Source=x&Utm_MEDIUM=y", ARTICLE),
        (f"{ARTICLE}?fbclid=IwAR0abc", ARTICLE),
        (f"{ARTICLE}?FBCLID=IwAR0abc", ARTICLE),
        (f"{ARTICLE}?gclid=1&dclid=2&msclkid=3&gbraid=4&wbraid=5", ARTICLE),
        (f"{ARTICLE}?yclid=1&twclid=2&ttclid=3&igshid=4", ARTICLE),
        (f"{ARTICLE}?mc_cid=1&mc_eid=2&_ga=3&_gl=4&_hsenc=5&_hsmi=6&mkt_tok=7", ARTICLE),
        (f"{ARTICLE}?ref=twitter&ref_src=twsrc", ARTICLE),
        (f"{ARTICLE}?replytocom=42", ARTICLE),
        (f"{ARTICLE}?unapproved=7&moderation-hash=ab12", ARTICLE),
        (f"{ARTICLE}?share=facebook&nb=1", ARTICLE),
        (f"{ARTICLE}?amp=1", ARTICLE),
        (f"{ARTICLE}?amp", ARTICLE),
        (f"{ARTICLE}?amp=", ARTICLE),
        (f"{ARTICLE}?%75tm_source=x", ARTICLE),  # an escaped name is the same name
        ("https://channel9.id/?b=2&utm_source=x&a=1", "https://channel9.id/?b=2&a=1"),
        ("https://channel9.id/?s=banjir&fbclid=x", "https://channel9.id/?s=banjir"),
        ("https://channel9.id/?p=5&p=6", "https://channel9.id/?p=5&p=6"),
        ("https://channel9.id/?z=1&a=2", "https://channel9.id/?z=1&a=2"),
        ("https://channel9.id/?P=5", "https://channel9.id/?P=5"),
        ("https://channel9.id/?reference=1&sharer=2", "https://channel9.id/?reference=1&sharer=2"),
        ("https://channel9.id/?q&&r=", "https://channel9.id/?q&r="),
        (f"{ARTICLE}?", ARTICLE),
        (f"{ARTICLE}?&", ARTICLE),
        # AMP and comment views of an article.
        (f"{ARTICLE}amp/", ARTICLE),
        (f"{ARTICLE}amp", ARTICLE),
        (f"{ARTICLE}comment-page-2/", ARTICLE),
        (f"{ARTICLE}comment-page-13/#comments", ARTICLE),
        (f"{ARTICLE}comment-page-2/amp/", ARTICLE),
        (f"{ARTICLE}amp/?amp=1&utm_source=x", ARTICLE),
        ("https://channel9.id/nasional/slug/amp/", "https://channel9.id/nasional/slug/"),
        ("https://channel9.id/2024/05/slug/amp/", "https://channel9.id/2024/05/slug/"),
        # ... but not a page that is called so, nor a slug that starts so.
        ("https://channel9.id/amp/", "https://channel9.id/amp/"),
        ("https://channel9.id/comment-page-2/", "https://channel9.id/comment-page-2/"),
        ("https://channel9.id/ampera-baru/", "https://channel9.id/ampera-baru/"),
        ("https://channel9.id/slug/amp/more/", "https://channel9.id/slug/amp/more/"),
        ("https://channel9.id/slug/comment-page-x/", "https://channel9.id/slug/comment-page-x/"),
        ("https://channel9.id/slug/AMP/", "https://channel9.id/slug/AMP/"),
        ("https://channel9.id/kategori/page/2/", "https://channel9.id/kategori/page/2/"),
        # Scheme and host in lower case; the path keeps its case and its trailing slash.
        ("HTTPS://CHANNEL9.ID/Berita-Utama/", "https://channel9.id/Berita-Utama/"),
        ("https://Channel9.Id/slug", "https://channel9.id/slug"),
        ("https://channel9.id/slug/", "https://channel9.id/slug/"),
        ("https://channel9.id", "https://channel9.id/"),
        ("https://channel9.id?p=5", "https://channel9.id/?p=5"),
        # Default ports go, other ports stay.
        ("http://channel9.id:80/x/", "http://channel9.id/x/"),
        ("https://channel9.id:443/x/", "https://channel9.id/x/"),
        ("http://channel9.id:443/x/", "http://channel9.id:443/x/"),
        ("https://channel9.id:80/x/", "https://channel9.id:80/x/"),
        ("http://127.0.0.1:8000/x/", "http://127.0.0.1:8000/x/"),
        ("http://LOCALHOST:08000/x/", "http://localhost:8000/x/"),
        ("http://[::1]:80/x/", "http://[::1]/x/"),
        ("http://[::1]:8000/x/", "http://[::1]:8000/x/"),
        ("http://Editor:PW@Channel9.id:80/x/", "http://Editor:PW@channel9.id/x/"),
        ("http://channel9.id:/x/", "http://channel9.id/x/"),
        # Percent-encoding: Indonesian text, one spelling per byte.
        ("https://channel9.id/kopi-énak/", "https://channel9.id/kopi-%C3%A9nak/"),
        ("https://channel9.id/kopi-%c3%a9nak/", "https://channel9.id/kopi-%C3%A9nak/"),
        ("https://channel9.id/kopi-%C3%A9nak/", "https://channel9.id/kopi-%C3%A9nak/"),
        ("https://channel9.id/kopi-énak/amp/", "https://channel9.id/kopi-%C3%A9nak/"),
        ("https://channel9.id/berita utama/", "https://channel9.id/berita%20utama/"),
        ("https://channel9.id/?s=harga cabai", "https://channel9.id/?s=harga%20cabai"),
        ("https://channel9.id/?s=béras", "https://channel9.id/?s=b%C3%A9ras"),
        ("https://channel9.id/%7Eredaksi/%41%2d/", "https://channel9.id/~redaksi/A-/"),
        ("https://channel9.id/a%2Fb/", "https://channel9.id/a%2Fb/"),
        ("https://channel9.id/a%2fb/?q=%26", "https://channel9.id/a%2Fb/?q=%26"),
        ("https://channel9.id/100%/", "https://channel9.id/100%25/"),
        ("https://channel9.id/%%34%31/", "https://channel9.id/%2541/"),
        ("https://bücher.example/x/", "https://xn--bcher-kva.example/x/"),
        ("https://channel9.id/\udcff/", "https://channel9.id/%ED%B3%BF/"),
        # Surrounding whitespace, and other schemes left as they are.
        ("  https://channel9.id/x/ \n", "https://channel9.id/x/"),
        ("mailto:Redaksi@Channel9.id", "mailto:Redaksi@Channel9.id"),
        # Hostile and broken, read as Scrapy fetches them, or left if it cannot.
        ("https://evil.id\\@channel9.id/x/#a", "https://evil.id/@channel9.id/x/"),
        ("https:////x/", "https:////x/"),
        ("http:////..:_#frag", "http:////..:_"),
        ("%41:x", "%41:x"),
    ],
)
def test_normalize(url: str, expected: str) -> None:
    assert normalize(url) == expected
    assert normalize(expected) == expected


@pytest.mark.parametrize(
    "url", ["http://[::1", "https://channel9.id:abc/", "https://channel9.id:99999/", "http://℀/"]
)
def test_normalize_raises_value_error_on_what_urlsplit_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        normalize(url)


def test_tracking_names_are_lower_case() -> None:
    assert all(name == name.lower() for name in TRACKING_PARAMETERS)
    assert "s" not in TRACKING_PARAMETERS
    assert "p" not in TRACKING_PARAMETERS


@pytest.mark.parametrize(
    ("url", "site", "expected"),
    [
        (ARTICLE, SITE, True),
        (ARTICLE, "https://channel9.id/", True),
        ("https://CHANNEL9.ID/x/", SITE, True),
        ("https://channel9.id/x/", "HTTPS://Channel9.Id", True),
        ("https://channel9.id:443/x/", SITE, True),
        ("https://channel9.id/x/", "https://channel9.id:443", True),
        ("https://user@channel9.id/x/", SITE, True),
        ("https://channel9.id/x/", SITE + "/kategori/", True),
        ("https://channel9.id/x/\t", SITE, True),
        # Another host.
        ("https://www.channel9.id/x/", SITE, False),
        ("https://evil.id/channel9.id/", SITE, False),
        ("https://channel9.id.evil.id/x/", SITE, False),
        ("https://channel9.id@evil.id/x/", SITE, False),
        ("https://evil.id\\@channel9.id/x/", SITE, False),  # fetched from evil.id
        ("https://evil.id\\.channel9.id/x/", SITE, False),
        # Another port: a default port counts as named.
        ("http://channel9.id/x/", SITE, False),
        ("https://channel9.id/x/", "http://channel9.id", False),
        ("https://channel9.id:8443/x/", SITE, False),
        ("http://h:8312/x/", "http://h:8000", False),
        ("http://h:8000/x/", "http://h:8000", True),
        ("http://h/x/", "http://h:8000", False),
        ("http://h/x/", "http://h:80", True),
        ("http://h:80/x/", "http://h", True),
        ("http://127.0.0.1:8000/x/", "http://127.0.0.1:8000", True),
        ("http://localhost:8000/x/", "http://127.0.0.1:8000", False),
        ("http://[::1]:8000/x/", "http://[::1]:8000", True),
        # Not http(s).
        ("ftp://channel9.id/x/", SITE, False),
        ("ftp://h/", "http://h", False),
        ("mailto:a@b", SITE, False),
        ("mailto:redaksi@channel9.id", SITE, False),
        ("javascript:void(0)", SITE, False),
        ("tel:+62", SITE, False),
        ("tel:+62215551234", SITE, False),
        ("data:text/html,<p>hi</p>", SITE, False),
        ("file:///etc/passwd", SITE, False),
        ("ws://channel9.id/x/", SITE, False),
        ("//channel9.id/x/", SITE, False),  # not absolute
        ("/x/", SITE, False),
        ("", SITE, False),
        ("https:///x/", SITE, False),
        # Malformed: off, no exception.
        ("http://[::1", SITE, False),
        ("https://channel9.id:abc/", SITE, False),
        ("https://channel9.id:99999/", SITE, False),
        ("https://channel9.id:-1/", SITE, False),
        ("http://℀/", SITE, False),
        (ARTICLE, "http://[::1", False),
        (ARTICLE, "", False),
        ("https://channel9.id/\udcff/", SITE, True),
    ],
)
def test_on_site(url: str, site: str, expected: bool) -> None:
    assert on_site(url, site) is expected


@pytest.mark.parametrize(
    ("base", "link", "expected"),
    [
        (ARTICLE, "/nasional/", "https://channel9.id/nasional/"),
        (ARTICLE, "lain/", f"{ARTICLE}lain/"),
        (ARTICLE, "../lain/", "https://channel9.id/lain/"),
        (ARTICLE, "//cdn.channel9.id/a.jpg", "https://cdn.channel9.id/a.jpg"),
        (ARTICLE, "https://evil.id/x/", "https://evil.id/x/"),
        (ARTICLE, "?p=5", "https://channel9.id/kemenkeu-pastikan-gaji-ke-13/?p=5"),
        (ARTICLE, "#comments", f"{ARTICLE}#comments"),
        (ARTICLE, "  /nasional/\n", "https://channel9.id/nasional/"),
        (ARTICLE, "\t/nasional/ \xa0", "https://channel9.id/nasional/"),
        (ARTICLE, "/kopi-énak/", "https://channel9.id/kopi-énak/"),
        (ARTICLE, "mailto:a@b", "mailto:a@b"),
        (ARTICLE, "javascript:void(0)", "javascript:void(0)"),
        # Nothing to resolve.
        (ARTICLE, None, None),
        (ARTICLE, "", None),
        (ARTICLE, "   ", None),
        (ARTICLE, "\n\t", None),
        # No URL at all.
        (ARTICLE, "http://[::1", None),
        (ARTICLE, "https://channel9.id:abc/", None),
        (ARTICLE, "https://channel9.id:99999/", None),
        (ARTICLE, "http://℀/", None),
        ("http://[::1", "x/", None),
    ],
)
def test_absolute(base: str, link: str | None, expected: str | None) -> None:
    assert absolute(base, link) == expected


# Generated http(s) URLs: the parts of the site's URLs, in every variant and with junk.
_SCHEMES = st.sampled_from(["http", "https", "HTTP", "Https"])
_HOSTS = st.sampled_from(
    ["channel9.id", "CHANNEL9.ID", "Channel9.Id", "127.0.0.1", "[::1]", "[FE80::1]",
     "bücher.example", "localhost", "user@channel9.id", "u:P@channel9.id"]
)  # fmt: skip
_PORTS = st.one_of(
    st.just(""),
    st.sampled_from([":80", ":443", ":8000", ":", ":080"]),
    st.integers(0, 65535).map(lambda port: f":{port}"),
)
_WORDS = st.one_of(
    st.sampled_from(
        ["amp", "comment-page-2", "berita", "kopi-énak", "%c3%a9", "%7E", "%41", "%", "%%34%31",
         "AMP", "a%2fb", "..", ".", "", "jalan raya", "\udcff", "%zz", "~", "p=5"]
    ),
    st.text(max_size=8),
)  # fmt: skip
_PATHS = st.builds(
    lambda words, slash: "/" + "/".join(words) + slash,
    st.lists(_WORDS, max_size=5),
    st.sampled_from(["", "/"]),
)
_NAMES = st.one_of(
    st.sampled_from(
        ["p", "s", "P", "utm_source", "UTM_Medium", "fbclid", "amp", "ref", "share", "nb",
         "%75tm_x", "replytocom", "", "a"]
    ),
    st.text(max_size=5),
)  # fmt: skip
_PAIRS = st.builds(
    lambda name, sep, value: f"{name}{sep}{value}",
    _NAMES,
    st.sampled_from(["", "="]),
    _WORDS,
)
_QUERIES = st.one_of(
    st.just(""), st.lists(_PAIRS, max_size=5).map(lambda pairs: "?" + "&".join(pairs))
)
_FRAGMENTS = st.one_of(st.just(""), st.sampled_from(["#", "#comments", "#respond"]), _WORDS)
HTTP_URLS = st.builds(
    lambda *parts: "".join(parts), _SCHEMES, st.just("://"), _HOSTS, _PORTS, _PATHS, _QUERIES,
    _FRAGMENTS
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(HTTP_URLS)
def test_normalize_is_idempotent(url: str) -> None:
    try:
        urlsplit(url).port  # noqa: B018
    except ValueError:
        assume(False)
    once = normalize(url)
    assert normalize(once) == once
    assert "#" not in once
    names = [piece.partition("=")[0].lower() for piece in urlsplit(once).query.split("&")]
    assert not any(name.startswith("utm_") or name in TRACKING_PARAMETERS for name in names)


@settings(max_examples=500, deadline=None)
@given(st.one_of(HTTP_URLS, st.text()))
def test_normalize_raises_only_where_urlsplit_does(url: str) -> None:
    try:
        urlsplit(url.strip()).port  # noqa: B018
    except ValueError:
        with pytest.raises(ValueError):
            normalize(url)
        return
    once = normalize(url)
    assert normalize(once) == once


@settings(max_examples=500, deadline=None)
@given(st.one_of(HTTP_URLS, st.text()), st.one_of(HTTP_URLS, st.text()))
def test_on_site_and_absolute_never_raise(url: str, text: str) -> None:
    assert isinstance(on_site(url, SITE), bool)
    assert isinstance(on_site(url, text), bool)
    assert isinstance(on_site(text, url), bool)
    for base, link in ((url, text), (SITE, text), (text, url)):
        resolved = absolute(base, link)
        assert resolved is None or isinstance(resolved, str)
        if resolved is not None:
            urlsplit(resolved).port  # noqa: B018 (what absolute gives is a URL)
