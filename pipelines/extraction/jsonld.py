"""JSON-LD: the structured data pages declare about themselves, the most trusted metadata.

A page often carries several objects (the site, the web page, breadcrumbs, images, videos,
the article): only the article's own object speaks for the article, so an image's
`datePublished` or the site's `name` never become the article's date or author.
"""

from __future__ import annotations

import json
import re

from pipelines.extraction.markup import declared, per_page

# schema.org types that are an article (NewsArticle and its kin).
ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "AskPublicNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "SatiricalArticle",
    "Reportage",
}
# Control characters that some CMSs leave raw inside JSON strings, which json.loads refuses.
CONTROL_CHARS = re.compile(r"[\x00-\x1f]")


def objects(tree) -> list[dict]:
    """Every JSON-LD object of the page, flattened out of arrays and @graph."""
    return list(_page_objects(tree))


@per_page
def _page_objects(tree) -> tuple[dict, ...]:
    """The page's JSON-LD objects, parsed once per page: the article's objects, the listing
    test and the authors' @id references each ask for them (the objects are shared, so
    they are read, never changed)."""
    found = []
    for script in declared(tree).json_ld:
        data = _loads(script)
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                found.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))
    return tuple(found)


def article_objects(tree) -> list[dict]:
    """The JSON-LD objects whose @type is an article type, in page order."""
    return [obj for obj in objects(tree) if types(obj) & ARTICLE_TYPES]


def types(obj: dict) -> set[str]:
    value = obj.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _loads(text: str):
    try:
        return json.loads(text)
    except ValueError:
        try:
            return json.loads(CONTROL_CHARS.sub(" ", text))
        except ValueError:
            return None
