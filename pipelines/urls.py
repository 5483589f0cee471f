"""URL identity: the one spelling of a URL under which an article is keyed, and the key
under which all its variants meet.

courlan does the cleaning (tracking parameters such as utm_*, fbclid and gclid dropped,
query sorted, host lower-cased, default port removed; an explicit port is kept, which the
demo and the tests on 127.0.0.1 need). What it keeps that we do not want is the fragment,
which never names a different article. `canonical_url` stays a URL that can be fetched:
the spider requests what it returns.

`url_key` goes further, for identity only (never fetched): the same page under AMP,
mobile and print views, `http` or `https`, with or without `www.` or a trailing slash,
gives one key. Neither courlan nor w3lib folds these variants (courlan's strict mode drops
every query parameter, which would merge `?id=1` and `?id=2`), so the folding is here.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

import courlan

# Host labels that serve a variant of the main site's pages.
VARIANT_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.", "print.")
# Path segments that select a view of the article, not another article.
VARIANT_SEGMENTS = {"amp", "print", "mobile"}
# Query parameters that only switch the view on or off, whatever their value.
VIEW_FLAGS = {"amp", "amp_js_v", "usqp", "print", "printable", "m", "mobile", "device"}
# Query parameters that name a view: dropped when their value is one of VIEW_VALUES.
VIEW_PARAMS = {"output", "outputtype", "view", "format", "template", "service"}
VIEW_VALUES = {"amp", "print", "printable", "mobile"}
AMP_SUFFIX = re.compile(r"\.amp(?=\.[a-z]+$|$)")  # story.amp.html, story.amp


def canonical_url(url: str) -> str:
    """The canonical spelling of `url`: cleaned by courlan, without the fragment."""
    url = urldefrag(url.strip()).url
    try:
        cleaned = courlan.normalize_url(url, strict=False)
    except ValueError:
        # courlan rejects a few odd but fetchable URLs; keeping them as they are loses nothing.
        return url
    return cleaned or url


def site_host(url: str) -> str:
    """The host without the labels of its variant sites (www, m, amp, print)."""
    host = (urlsplit(url).hostname or "").lower()
    changed = True
    while changed:
        changed = False
        for prefix in VARIANT_HOST_PREFIXES:
            rest = host.removeprefix(prefix)
            if rest != host and "." in rest:
                host, changed = rest, True
    return host


def url_key(url: str) -> str:
    """The identity of the page at `url`: every AMP, mobile, print, http/https, www and
    trailing-slash variant of one page gives the same key (a scheme-less URL)."""
    parts = urlsplit(canonical_url(url))
    host = site_host(parts.geturl())
    if parts.port:
        host = f"{host}:{parts.port}"
    segments = [s for s in parts.path.split("/") if s and s.lower() not in VARIANT_SEGMENTS]
    if segments:
        segments[-1] = AMP_SUFFIX.sub("", segments[-1])
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() not in VIEW_FLAGS
        and not (name.lower() in VIEW_PARAMS and value.lower() in VIEW_VALUES)
    ]
    key = f"//{host}/{'/'.join(segments)}"
    return f"{key}?{urlencode(query)}" if query else key


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs are on the same site, ignoring www, mobile and AMP hosts."""
    return bool(site_host(url_a)) and site_host(url_a) == site_host(url_b)


def url_spellings(url: str) -> list[str]:
    """The spellings of a URL the Wayback takes for the same page (scheme, www.)."""
    parts = urlsplit(url)
    host = (parts.netloc or "").removeprefix("www.")
    rest = parts.path + ("?" + parts.query if parts.query else "")
    return [f"{scheme}://{www}{host}{rest}" for scheme in ("http", "https") for www in ("", "www.")]
