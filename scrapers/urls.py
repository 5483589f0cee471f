"""URL identity: the one spelling of a URL under which an article is keyed.

courlan does the cleaning (tracking parameters such as utm_*, fbclid and gclid dropped,
query sorted, host lower-cased, default port removed; an explicit port is kept, which the
demo and the tests on 127.0.0.1 need). What it keeps that we do not want is the fragment,
which never names a different article.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import courlan


def canonical_url(url: str) -> str:
    """The canonical spelling of `url`: cleaned by courlan, without the fragment."""
    url = urldefrag(url.strip()).url
    try:
        cleaned = courlan.normalize_url(url, strict=False)
    except ValueError:
        # courlan rejects a few odd but fetchable URLs; keeping them as they are loses nothing.
        return url
    return cleaned or url


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs are on the same host, ignoring a leading www."""

    def host(url: str) -> str:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")

    return bool(host(url_a)) and host(url_a) == host(url_b)
