"""Pages nested too deep for the parser: broken templates that open thousands of `<div>`s.

libxml2, under lxml and trafilatura, stops building the tree 256 levels down ("excessive
depth") and drops everything below, so an article inside 10,000 nested wrappers comes out
with no text at all. Its `huge_tree` option only moves the limit to 2,048. The standard
library's HTML parser has no such limit (it builds no tree), so it reads the page as a
stream and writes it again without the wrappers that lie below `MAX_DEPTH`: their text,
and the tags that give the text its shape (paragraphs, headings, list items, quotes,
line breaks, links and emphasis), stay.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

MAX_DEPTH = 40
# Elements that never have an end tag, and so never nest.
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Tags kept below MAX_DEPTH: they shape the text, and the parser does not nest them deep.
KEPT = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "br", "a", "em",
        "strong", "b", "i", "time"}  # fmt: skip


def depth(html: str) -> int:
    """The deepest nesting of elements in the page (end tags that close several open
    elements at once, and missing end tags, counted as a browser would roughly)."""
    reader = _Depth()
    reader.feed(html)
    reader.close()
    return reader.deepest


def flattened(html: str) -> str:
    """The page without the wrapper elements nested deeper than MAX_DEPTH."""
    writer = _Flattener()
    writer.feed(html)
    writer.close()
    return "".join(writer.out)


class _Depth(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.level = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.level += 1
            self.deepest = max(self.deepest, self.level)

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.level = max(0, self.level - 1)


class _Flattener(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.level = 0
        self.dropped: list[bool] = []  # for each open element: were its tags dropped?
        self.raw = False  # inside a script or style: text as it is

    def handle_starttag(self, tag, attrs):
        deep = self.level >= MAX_DEPTH and tag not in KEPT
        if not deep:
            self.out.append(self._tag(tag, attrs))
        if tag not in VOID:
            self.level += 1
            self.dropped.append(deep)
        self.raw = tag in ("script", "style")

    def handle_startendtag(self, tag, attrs):
        if self.level < MAX_DEPTH or tag in KEPT:
            self.out.append(self._tag(tag, attrs))

    def handle_endtag(self, tag):
        self.raw = False
        if tag in VOID:
            return
        if self.dropped:
            self.level -= 1
            if self.dropped.pop():
                return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data if self.raw else escape(data, quote=False))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    @staticmethod
    def _tag(tag, attrs) -> str:
        written = "".join(
            f' {name}="{escape(value, quote=True)}"' if value is not None else f" {name}"
            for name, value in attrs
        )
        return f"<{tag}{written}>"
