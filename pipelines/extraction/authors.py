"""The authors of an article page, as a list of the people (or agency) credited.

Sources, in order of trust; the first that credits a person or a news agency wins, and its
name is recorded as `author_source`:

1. "jsonld": the `author` of the article's own JSON-LD object (strings, Person and
   Organization objects, lists, `@id` references into the page's graph). The publisher fills
   it on purpose, for search engines, so it is the most deliberate statement of authorship.
2. "meta": `<meta name="author">`, `article:author`, scholarly `citation_author` and their
   kin, when they hold a name rather than a profile URL. Metadata's "Smith, Jane" is one
   person, written "Jane Smith" as bylines write names.
3. "byline": the byline markup of the page (rel=author, itemprop=author, class names such as
   "byline" or "author"), the credit the reader sees; failing a person there, a name after an
   author label ("Autor", "Yazar") or set apart in bold right above the text.
4. "signoff": the article's last paragraph when the page sets it apart as a credit (a short
   name in bold or italics, or aligned right: "Lê Phương"), the way many outlets sign a text
   at its end instead of above it.
5. "trafilatura": trafilatura's own guess, a heuristic over the same page.

Every source's names are normalised the same way: split into one name per person ("By A
and B", "A, B", "A; B", "بقلم"), stripped of lead-ins ("Ein Kommentar von", "A cura di"),
roles and job titles, bracketed notes ("(JS)", "(AFP)"), emails, URLs and datelines. A
credit is a person, a news agency ("AFP", "Reuters") or a house credit: the outlet itself
(its site name, its publisher, its brand, a website's domain), its desk ("Redaktion",
"Staff") or an organisation. A CMS's default account ("admin", or a profile at
".../author/admin/") and a template's label alone ("Article") are no credit at all. House
credits are dropped when a person is named, and are the answer only when no source names
anyone else; then the most trusted source's house credit wins (fundus's convention: the
outlet when nobody is credited). Names keep the case they have on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from lxml import etree

from pipelines.extraction import jsonld
from pipelines.extraction.markup import canonical_urls, clean, declared
from pipelines.urls import site_host

PERSON, AGENCY, HOUSE = "person", "agency", "house"

AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&|\bو\b|،)\s*")
AUTHOR_PREFIX = re.compile(r"^\s*(by|par|di|بقلم|كتب|كتبت)(\s*:\s*|\s+)", re.IGNORECASE)

# Separators of the credits inside one byline: lists, conjunctions, "Name / Role", "Name | Role".
CREDIT_SPLIT = re.compile(
    r"\s*(?:[;,،|/]|\s[-–—]\s|\b(?:and|und|og|och)\b|&|\+|\bو\b)\s*", re.IGNORECASE
)
# "By", "Par", "Por", "Text:", "Yazan", "بقلم" before a byline, in the languages we meet, and
# the lead-ins that name the genre first ("Ein Kommentar von", "A cura di", "Reporting by").
# "Haber" ("news") only with a colon: "Haber Merkezi" is a Turkish newsroom's name.
CREDIT_PREFIX = re.compile(
    r"^\s*(?:(?i:(?:(?:ein|eine|a|an|un|una|une)\s+)?(?:kommentar|analyse|gastbeitrag|essay"
    r"|interview|kolumne|glosse|reportage|commentary|analysis|opinion|column|commento|analisi"
    r"|intervista|editoriale|commentaire|chronique|tribune|éditorial)\s+(?:von|by|di|par)"
    r"|a\s+cura\s+di|(?:written|reported|reporting|text|story|words|edited)\s+by|by|par|por"
    r"|door|av|af|od|от|text|texto|autor|autorin|author|authors|autoren|reporter|reportage"
    r"|quelle|source|sources|fuente|fonte|źródło|yazan|(?:yazar|haber)(?=\s*:))"
    r"|von|vom|di|da|بقلم|كتب|كتبت|تأليف|تقرير|إعداد)(?:\s*:\s*|\s+)"
)
# "Von", "Di", "Da" capitalised open a byline ("Von Anna Schmidt", "Di Luigi Di Maio") but also
# begin surnames ("Von Trier", "Di Maio", "Da Silva"): a label only when a full name of two
# words or more, or a lower-case credit ("Von dpa"), follows.
PARTICLE_PREFIX = re.compile(r"^\s*(?:Von|VON|Vom|Di|DI|Da|DA)\s+(?=\S+\s+\S|[a-zß])")
URL = re.compile(r"\(?\s*(?:https?://|www\.)\S+\s*\)?", re.IGNORECASE)
# A note in brackets after a name: initials, a handle, an agency, a town ("Jane Smith (JS)",
# "Ali Salem (AFP)"). It qualifies the name; cut whole, it leaves no "(JS" fragment behind.
ANNOTATION = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
UNCLOSED = re.compile(r"\s*[(\[][^)\]]*$")
# A bare domain name ("libyaherald.com", "Alwasat.ly"): a website's credit, not a person.
# Three letters at least before the dot, so that "J.Smith" or "A.Li" stay names.
DOMAIN = re.compile(
    r"(?:[\w-]+\.)*[\w-]{3,}\.(?:com|net|org|info|news|media|online|tv|[a-z]{2})", re.IGNORECASE
)
EMAIL = re.compile(r"\S+@\S+\.\w+")
HANDLE = re.compile(r"(?<!\S)@\w+")  # a social-media account beside the name
# Where a byline's name ends and its dateline or timestamp begins.
DATELINE = re.compile(
    r"\s*(?:(?<!\w)\d|\b(?:updated|published|posted|stand|aktualisiert|veröffentlicht"
    r"|actualizado|publicado|mis à jour|publié|aggiornato"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch"
    r"|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi"
    r"|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b).*$",
    re.IGNORECASE,
)
# Job titles and roles that bylines attach to names ("Mathias Hagen / Journalist").
ROLE_WORDS = {
    "author", "autor", "autorin", "columnist", "kolumnist", "kolumnistin", "contributor",
    "correspondent", "korrespondent", "korrespondentin", "corresponsal", "correspondant",
    "corrispondente", "editor", "editora", "redakteur", "redakteurin", "redaktør", "redactor",
    "redactora", "rédacteur", "rédactrice", "journalist", "journalistin", "journaliste",
    "periodista", "giornalista", "jornalista", "dziennikarz", "novinář", "muhabir",
    "photographer", "fotograf", "fotografin", "photographe", "fotógrafo", "reporter",
    "reporterin", "reportera", "writer", "producer", "analyst", "nachrichtenagentur",
    "مراسل", "محرر", "صحفي",
}  # fmt: skip
# The roles long enough to be recognised at the end of a compound ("Sportreporter"), as one
# tuple for str.endswith (a test per role was a tenth of the authors' time).
ROLE_SUFFIXES = tuple(sorted(role for role in ROLE_WORDS if len(role) >= 8 and role.isalpha()))
# Titles written after the name in East Asian bylines ("신현주 기자": reporter Shin Hyun-ju).
SUFFIX_TITLES = ("기자", "특파원", "선임기자", "논설위원", "記者", "特派員", "编辑")
# Words naming a newsroom or desk rather than a person.
STAFF_WORDS = {
    "staff", "newsroom", "desk", "editors", "editorial", "team", "redaktion", "rédaction",
    "redacción", "redazione", "redactie", "redaksjonen", "redaksjon", "redaktionen", "redakce",
    "redakcja", "agencies", "agenturen", "agences", "agencias", "nachrichtenredaktion",
    "onlineredaktion", "online", "هيئة", "التحرير", "المحرر",
}  # fmt: skip
# News agencies: a credit of their own when no person is named beside them.
AGENCIES = {
    "afp", "agence france presse", "reuters", "thomson reuters", "ap", "associated press",
    "the associated press", "dpa", "deutsche presse agentur", "ansa", "anadolu",
    "anadolu agency", "anadolu ajansı", "aa", "efe", "agencia efe", "europa press", "apa",
    "sda", "keystone sda", "kna", "epd", "sid", "upi", "xinhua", "tass", "ria novosti",
    "interfax", "kyodo", "jiji", "yonhap", "pa", "pa media", "press association", "belga",
    "anp", "ntb", "tt", "ritzau", "čtk", "ctk", "pap", "lusa", "agência lusa", "ips", "mena",
    "wam", "spa", "qna", "lana", "wafa", "kuna", "وكالة الأنباء الليبية", "رويترز", "فرانس برس",
    "أ ف ب", "الأناضول", "وكالات",
}  # fmt: skip
# User names of a CMS's default accounts, which some sites leave as the author.
CMS_ACCOUNT = re.compile(r"\w*admin|administrator|webmaster|root|user\d*", re.IGNORECASE)
# Words that label a credit rather than fill it ("Article", "Nachrichten", "Haber"): standing
# alone, they are left over from a byline's template, not a person's name.
LABEL_WORDS = {
    "article", "artikel", "articolo", "artículo", "artigo", "makale", "haber", "news",
    "nachrichten", "notizie", "actualités", "noticias", "story", "post", "beitrag", "anonymous",
    "anonym", "anonyme", "anonimo", "unknown", "guest", "gast", "مقال", "خبر", "أخبار",
}  # fmt: skip
# "Last, First" as scholarly metadata writes one person ("Smith, Jane", "Ben Ali, Laila A."):
# a surname of one word after any particles, then a given name and initials. "Omar Haddad,
# Laila Ben Ali" has a given name before its comma, so it stays a list of two people.
SURNAME_PARTICLES = (
    r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|la|le|ben|bin|ibn|bint|abu|al|el|st\.?"
    r"|ter|ten|zu|mac|mc|o')"
)
LAST_FIRST = re.compile(
    rf"^\s*(?P<last>(?:(?i:{SURNAME_PARTICLES})\s+)*[^\W\d_][\w'’-]*)\s*,"
    r"\s*(?P<first>[^\W\d_][\w'’-]*\.?(?:\s+[^\W\d_]\.?)*)\s*$"
)
NOT_ALNUM = re.compile(r"[\W_]+")
# Initials ("amw"): an editor's shorthand, too weak to outrank a house credit.
INITIALS = re.compile(r"^[a-z]{2,4}$", re.IGNORECASE)
# Byline markup: class or id words that mark a byline, and words that mark look-alikes.
BYLINE_WORD = re.compile(r"byline|author|autor|writer|reporter|verfasser", re.IGNORECASE)
NOT_BYLINE_WORD = re.compile(
    r"comment|quote|zitat|bio|avatar|image|img|photo|pic|date|time|social|share|follow"
    r"|related|teaser|more|list|desc|about|info|title|label|widget",
    re.IGNORECASE,
)
MAX_BYLINE_ELEMENTS = 24
# The meta tags that name the authors, in order of trust, and those that name the house.
AUTHOR_META = (
    "author", "article:author", "dc.creator", "DC.creator", "dcterms.creator", "citation_author",
    "citation_authors", "parsely-author", "sailthru.author", "byl",
)  # fmt: skip
HOUSE_META = ("og:site_name", "application-name", "publisher", "dc.publisher")
# A label that stands before the author's name in a list of the article's facts.
AUTHOR_LABEL = re.compile(
    r"(?:autor(?:in)?(?:\s*/\s*autor(?:in)?)?|autoren|authors?|auteure?s?|autore|autori|yazar"
    r"|writer|verfasser(?:in)?|الكاتب|الكاتبة|المؤلف)\s*:?",
    re.IGNORECASE,
)
LABEL_TAGS = ("strong", "b", "dt", "th", "label", "span", "em")
MAX_LABEL_CHARS = 24
# Stems of the class names that mark byline markup ("Author" and "author" alike). Matched by
# walking the tree in Python rather than with XPath contains(): the walk stops at the first
# byline block, and even a full walk costs half the XPath (bench/crawl_throughput.py; still
# so with lxml 6: libxml2 copies the attribute for each of the ten contains() per element).
BYLINE_CLASS_STEM = re.compile(r"uthor|yline|utor|riter|eporter|erfasser")
BYLINE_ID_STEM = re.compile(r"uthor|yline")
# Regions whose bylines belong to other texts than the article.
FOREIGN_REGION = re.compile(
    r"comment|related|teaser|sidebar|footer|recommend|caption|gallery|lightbox", re.IGNORECASE
)
FOREIGN_TAGS = ("footer", "aside", "nav", "figure", "figcaption")
NOT_TEXT_TAGS = ("script", "style", "link", "meta", "img", "svg", "button", "form", "input")
CSS_NAME = re.compile(r"[\w-]+")
ITEMPROP_NAME = etree.XPath(".//*[@itemprop='name']")  # compiled once, not per byline
# A picture's credit ("Image: Getty Images", "Bild: SN/APA"), not the article's.
PHOTO_CREDIT = re.compile(
    r"^\W*(?:images?|photos?|fotos?|bild|bilder|pictures?|picture credit|credits?)\s*:",
    re.IGNORECASE,
)
# Second-level labels of country domains (bbc.co.uk, aa.com.tr): not the outlet's name.
SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go"}
MAX_NAME_WORDS = 6
MAX_BYLINE_CHARS = 160
# A sign-off is a name or two, set apart from the text by emphasis or alignment.
MAX_SIGN_OFF_WORDS = 6
# A paragraph longer than this is the article's text, not a credit above it.
MAX_LEAD_WORDS = 12
EMPHASIS_TAGS = ("strong", "b", "em", "i")
RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)


@dataclass(frozen=True)
class Credit:
    """One name a source credits, and what it is: a person, a news agency or the house."""

    name: str
    kind: str


def authors(
    tree,
    article_ld: list[dict],
    trafilatura_author: str | None,
    site_name: str | None,
    closing_credit: str | None = None,
) -> tuple[list[str], str]:
    """(the names of the people, or agency, credited; where they came from).

    Args:
        tree: the page's lxml tree, untouched by trafilatura.
        article_ld: the JSON-LD objects of article types, in page order.
        trafilatura_author: trafilatura's author string, the last resort.
        site_name: the outlet's name, so that it is not taken for an author.
        closing_credit: the sign-off that ends the article's text, if any (`sign_off`).

    Returns:
        The names as displayed, and the source that won ("jsonld", "meta", "byline",
        "signoff", "trafilatura" or "none").
    """
    outlet = Outlet(site_name, page_host(tree), house_names(tree, article_ld))
    sources = (
        ("jsonld", lambda: jsonld_credits(tree, article_ld, outlet)),
        ("meta", lambda: meta_credits(tree, outlet)),
        ("byline", lambda: byline_credits(tree, outlet)),
        ("signoff", lambda: sign_off_credits(closing_credit, outlet)),
        ("trafilatura", lambda: string_credits([trafilatura_author or ""], outlet)),
    )
    fallback: tuple[list[str], str] = ([], "none")
    for source, read in sources:
        credits = read()
        kinds = {c.kind for c in credits}
        # An agency named only lower down is a source note ("Quelle: dpa"), not a reason to
        # overrule the house credit a more trusted source gave.
        if PERSON in kinds or (AGENCY in kinds and not fallback[0]):
            if source == "jsonld":
                return fuller_byline(credits, marked_credits(tree, outlet))
            return chosen(credits), source
        if credits and not fallback[0]:
            fallback = ([c.name for c in credits], source)
    return fallback


def fuller_byline(ld: list[Credit], byline: list[Credit]) -> tuple[list[str], str]:
    """JSON-LD's credits, or the visible byline's when it names them all and more people.

    Structured data often carries only the first of several co-authors, while the byline
    the reader sees lists them all; a byline that contains every JSON-LD name is the
    article's own, so its extra names are co-authors, not noise.
    """
    ld_keys = {key(c.name) for c in ld if c.kind != HOUSE}
    byline_keys = {key(c.name) for c in byline if c.kind != HOUSE}
    if ld_keys < byline_keys:
        return chosen(byline), "byline"
    return chosen(ld), "jsonld"


def chosen(credits: list[Credit]) -> list[str]:
    """The names to keep: house credits go when a person is named beside them."""
    if any(c.kind == PERSON for c in credits):
        credits = [c for c in credits if c.kind != HOUSE]
    return [c.name for c in credits]


def split_authors(author: str | None) -> list[str]:
    """An author string ("A; B", "By A and B") as a list of names, without "By" prefixes."""
    if not author:
        return []
    names = []
    for part in AUTHOR_SPLIT.split(author):
        name = AUTHOR_PREFIX.sub("", part).strip(" .:-")
        if name and name not in names:
            names.append(name)
    return names


# --- the outlet, so that it is not mistaken for a person ---------------------------------


def key(name: str) -> str:
    """A name folded as the archive compares names: case and punctuation ignored."""
    return " ".join(NOT_ALNUM.sub(" ", name.casefold()).split())


class Outlet:
    """The outlet's name and host, recognised in credits in their usual disguises."""

    def __init__(self, site_name: str | None, host: str | None, names: tuple[str, ...] = ()):
        self.keys = {key(name) for name in (site_name, *names) if name}
        labels = [label for label in (host or "").lower().split(".") if label != "www"]
        if len(labels) >= 3 and labels[-2] in SECOND_LEVEL:
            labels = labels[:-1]  # bbc.co.uk: the name is before "co"
        if len(labels) >= 2:
            self.keys.add(key(".".join(labels)))  # "hessenschau de"
            self.keys.add(key(labels[-2]))  # "washingtontimes", "n tv"
        self.keys.discard("")
        self.squashed = {k.replace(" ", "") for k in self.keys}

    def named_by(self, name: str) -> bool:
        """Whether a credit names the outlet: "DW.COM", "Www Example Com", "MDR THÜRINGEN"."""
        name_key = key(name)
        if not name_key or not self.keys:
            return False
        words = name_key.split()
        if name_key.replace(" ", "") in self.squashed or name_key.startswith("www "):
            return True
        if any(name_key.startswith(k + " ") for k in self.keys if len(k) >= 3):
            return True  # the outlet and a regional desk: "MDR THÜRINGEN"
        # An outlet spelled out where its host abbreviates it: "Libya Observer Network" on
        # lon.ly. Two-letter initials are left out: too many people share them.
        acronym = "".join(w[0] for w in words) if len(words) >= 3 else ""
        return bool(acronym) and any(k.split()[0] == acronym for k in self.keys)


def house_names(tree, article_ld: list[dict]) -> tuple[str, ...]:
    """The names the page gives its outlet or brand: site name, publisher, application.

    A magazine's brand often differs from the site name the outlet gives ("Deutsche Welle" as
    publisher, "DW.COM" as og:site_name); an author equal to any of them is the house.
    """
    names = metas(tree, HOUSE_META)
    for obj in article_ld:
        publisher = obj.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(item, dict) and "Person" not in jsonld.types(item):
                if "name" not in item and isinstance(item.get("@id"), str):
                    item = _ld_reference(tree, item["@id"])
                if isinstance(item.get("name"), str):
                    names.append(item["name"])
    bare = (clean(ANNOTATION.sub("", URL.sub(" ", name))) for name in names)
    return tuple(dict.fromkeys(name for name in bare if name))


def page_host(tree) -> str | None:
    """The page's site (`site_host`: www, m, amp... left out), from its canonical or og:url."""
    return next(filter(None, map(site_host, canonical_urls(tree))), None)


# --- the sources ---------------------------------------------------------------------------


def jsonld_credits(tree, article_ld: list[dict], outlet: Outlet) -> list[Credit]:
    """The author of the first article object that names one."""
    for obj in article_ld:
        author = obj.get("author")
        if author:
            return _dedupe(_ld_credits(author, tree, outlet))
    return []


def _ld_reference(tree, ref) -> dict:
    """The object an `"author": {"@id": ...}` reference points to in the page's graph."""
    for obj in jsonld.objects(tree):
        if obj.get("@id") == ref and "name" in obj:
            return obj
    return {}


def _ld_credits(author, tree, outlet: Outlet) -> list[Credit]:
    """Credits in a JSON-LD author value: a string, an object, or a list of them."""
    if isinstance(author, list):
        return [c for item in author for c in _ld_credits(item, tree, outlet)]
    if isinstance(author, str):
        return string_credits([as_written(author, outlet)], outlet)
    if not isinstance(author, dict):
        return []
    if _cms_account_profile(author.get("url") or author.get("@id")):
        return []  # "Ilanga D" at /author/admin/: the CMS's default account, renamed
    if "name" not in author and isinstance(author.get("@id"), str):
        author = {**_ld_reference(tree, author["@id"]), **author}
    name = author.get("name")
    if isinstance(name, dict | list):
        return _ld_credits(name, tree, outlet)
    credits = string_credits([as_written(name, outlet)] if isinstance(name, str) else [], outlet)
    if jsonld.types(author) - {"Person"} and not jsonld.types(author) & {"Person"}:
        # An Organization as author is a house credit unless it is a news agency.
        credits = [Credit(c.name, AGENCY if c.kind == AGENCY else HOUSE) for c in credits]
    return credits


def _cms_account_profile(profile) -> bool:
    """Whether an author's profile address is a CMS's default account (".../author/admin/").

    Sites rename that account ("Ilanga D", "Redaktion X") and publish under it; the name
    then looks like a person's, but the address still says it is nobody's own.
    """
    if not isinstance(profile, str) or "/" not in profile:
        return False
    return bool(CMS_ACCOUNT.fullmatch(profile.split("#")[0].rstrip("/").rsplit("/", 1)[-1]))


def meta_credits(tree, outlet: Outlet) -> list[Credit]:
    """Names in the author meta tags (scholarly `citation_author` too), leaving out URLs."""
    values = metas(tree, AUTHOR_META)
    names = [as_written(v, outlet) for v in values if not URL.fullmatch(v.strip())]
    return string_credits(names, outlet)


def metas(tree, names: tuple[str, ...]) -> list[str]:
    """The contents of the meta tags with these names, in the order of the names.

    Read from the page's meta tags as `declared` keeps them (one pass over the page for
    every reader): a query over the page here made the author metadata a tenth of the
    extraction's own time. A tag with several of the names counts once, at the first.
    """
    rank = {name: index for index, name in enumerate(names)}
    found = []
    for *attributes, content in declared(tree).metas:
        ranks = [rank[a] for a in attributes if a in rank]
        if ranks:
            found.append((min(ranks), content))
    return [content for _, content in sorted(found, key=lambda pair: pair[0])]


def as_written(value: str, outlet: Outlet) -> str:
    """A metadata author value with each "Last, First" turned round as a byline writes it.

    Only for metadata, where scholarly publishers write one person per value or per ";"
    ("Smith, Jane; Haddad, Omar"): in a visible byline "Haddad, Tripoli" is a dateline.
    """
    return "; ".join(_first_last(piece, outlet) or piece for piece in value.split(";"))


def _first_last(piece: str, outlet: Outlet) -> str | None:
    """ "Smith, Jane" as "Jane Smith"; None when the piece is not one person so written."""
    match = LAST_FIRST.match(piece)
    if not match:
        return None
    for side in match.groups():
        side_key = key(side)
        if (
            side_key in AGENCIES
            or side_key in LABEL_WORDS
            or set(side_key.split()) & STAFF_WORDS
            or outlet.named_by(side)
            or any(_is_role(word) for word in side.split())
            or CMS_ACCOUNT.fullmatch(side)
        ):
            return None  # "Reuters, AFP", "Jane Smith, Staff": a list, not one name
    return f"{match['first']} {match['last']}"


def byline_credits(tree, outlet: Outlet) -> list[Credit]:
    """The byline's credits: its markup's, or failing a person there, an unmarked one's."""
    credits = marked_credits(tree, outlet)
    if any(c.kind == PERSON for c in credits):
        return credits
    return unmarked_credits(tree, outlet) or credits


def marked_credits(tree, outlet: Outlet) -> list[Credit]:
    """Names in the page's first byline block (its innermost byline elements)."""
    # The first byline element in document order has no byline ancestor (it would come
    # first), so it is the block, and the rest of the block lies in its subtree: the walk
    # stops there, before the teasers of sidebars and footers (dozens on some pages). It
    # leaves out the insides of navs, footers and asides, where no byline is the article's.
    outside = _outside_foreign_tags(tree)
    block = next((el for el in _with_byline_markup(outside) if _is_byline(el)), None)
    if block is None:
        return []
    inner = (el for el in byline_markup(block) if el is not block and _is_byline(el))
    elements = [block, *islice(inner, MAX_BYLINE_ELEMENTS - 1)]
    # One walk up from each element marks the byline elements that hold another one
    # (lxml hands out the same proxy for a node while it is referenced, so ids are stable).
    candidates = {id(el) for el in elements}
    holders = {id(a) for el in elements for a in el.iterancestors() if id(a) in candidates}
    texts = [_byline_text(el) for el in elements if id(el) not in holders]
    return string_credits([t for t in texts if t], outlet)


def unmarked_credits(tree, outlet: Outlet) -> list[Credit]:
    """A byline the reader sees that has no byline markup: labelled, or set apart on top."""
    return labelled_credits(tree, outlet) or opening_credits(tree, outlet)


def opening_credits(tree, outlet: Outlet) -> list[Credit]:
    """A name set apart between the headline and the first paragraph of the text.

    The mirror of a sign-off: some outlets put the reporter's name in bold above the text
    ("MTHOBISI SITHOLE") and no byline markup anywhere. The search stops at the first
    paragraph long enough to be text, so a bold subheading further down is never a name,
    and the name must stand right above that paragraph: a bold heading of a sidebar widget
    ("Ayo Infaq Dakwah" above a bank account number on a blog) is not followed by text.
    """
    headline = False
    for el in tree.iter("h1", "p"):
        if el.tag == "h1":
            headline = True
            continue
        line = clean(el.text_content()) or ""
        if not headline or not line:
            continue
        if len(line.split()) > MAX_LEAD_WORDS:
            return []  # the text has begun
        if _name_shaped(line) and _set_apart(el) and _text_follows(el):
            return sign_off_credits(line, outlet)
    return []


def _text_follows(paragraph) -> bool:
    """Whether the next element is a paragraph of running text."""
    following = paragraph.getnext()
    return (
        following is not None
        and following.tag == "p"
        and len(following.text_content().split()) > MAX_LEAD_WORDS
    )


def labelled_credits(tree, outlet: Outlet) -> list[Credit]:
    """The name after an author label, for pages whose byline has no byline markup.

    Some outlets list the credit among the article's facts ("<strong>Autorin/Autor</strong>
    Roman Goncharenko", "<dt>Yazar</dt><dd>...</dd>"); without this the house credit their
    meta tags give wins over the person the reader sees.
    """
    for label in tree.iter(*LABEL_TAGS):
        text = label.text
        if not text or len(text) > MAX_LABEL_CHARS or len(label):
            continue
        if AUTHOR_LABEL.fullmatch(text.strip()) and not _in_foreign_region(label):
            name = _labelled_name(label)
            return string_credits([name], outlet) if name else []
    return []


def _labelled_name(label) -> str | None:
    """The text beside a label: its tail, or else the next element's text."""
    text = clean(label.tail)
    if not text or not any(c.isalpha() for c in text):
        following = label.getnext()
        text = clean(" ".join(following.itertext())) if following is not None else None
    return text if text and len(text) <= MAX_BYLINE_CHARS else None


def _in_foreign_region(el) -> bool:
    """Whether an element lies in a comment thread, a teaser, a footer or a caption."""
    # The tags first: a name is cheaper to test than class and id.
    ancestors = list(el.iterancestors())
    return any(a.tag in FOREIGN_TAGS for a in ancestors) or any(
        _marked(a, FOREIGN_REGION) for a in ancestors
    )


def byline_markup(tree) -> Iterator:
    """The elements whose markup says byline or author, in document order."""
    return _with_byline_markup(tree.iter(etree.Element))


def _with_byline_markup(elements: Iterable) -> Iterator:
    """Those of the elements whose markup says byline or author."""
    search_class, search_id = BYLINE_CLASS_STEM.search, BYLINE_ID_STEM.search
    for el in elements:
        cls = el.get("class")
        if cls and search_class(cls):  # the usual mark, and one attribute read instead of four
            yield el
            continue
        ident = el.get("id")
        if (
            (ident and search_id(ident))
            or el.get("rel") == "author"
            or "author" in (el.get("itemprop") or "")
        ):
            yield el


def _outside_foreign_tags(tree) -> Iterator:
    """The elements of the tree in document order, without the insides of FOREIGN_TAGS.

    No byline in a nav, a footer or an aside is the article's (`_in_foreign_region`), and
    a site's menus are a large share of the elements above its byline: half of them on the
    benchmark's pages. A subtree with no such element is walked by lxml in one go.
    """
    stack = [tree]
    while stack:
        el = stack.pop()
        if next(el.iter(*FOREIGN_TAGS), None) is None:
            yield from el.iter(etree.Element)
            continue
        yield el
        if el.tag not in FOREIGN_TAGS:
            stack.extend(el.iterchildren(etree.Element, reversed=True))


def _is_byline(el) -> bool:
    """Whether an element is a byline, not a comment's author, a quote's or a bio box."""
    if not isinstance(el.tag, str) or el.tag in NOT_TEXT_TAGS:
        return False
    explicit = el.get("rel") == "author" or "author" in (el.get("itemprop") or "")
    if not explicit and not _marked(el, BYLINE_WORD) or _marked(el, NOT_BYLINE_WORD):
        return False
    return not _in_foreign_region(el)


def _marked(el, words: re.Pattern) -> bool:
    """Whether a class name or the id of the element contains one of the words.

    Utility-CSS tokens ("[grid-template-areas:'authors']") are layout, not meaning: only
    plain identifier-like tokens count. The words are plain alternatives (no anchors), so
    a token holds one only if the whole class and id do: most elements are settled by one
    search, without cutting them into tokens.
    """
    marks = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not words.search(marks):
        return False
    return any(CSS_NAME.fullmatch(t) and words.search(t) for t in marks.split())


def _byline_text(el) -> str | None:
    """A byline element's text, or its itemprop=name's when it has one."""
    links = [el] if el.tag == "a" else el.findall("a")
    if len(links) == 1 and _cms_account_profile(links[0].get("href")):
        return None  # a link to the CMS's default account, whatever its display name
    names = ITEMPROP_NAME(el)
    if names:
        text = names[0].get("content") or " ".join(names[0].itertext())
    else:
        text = " ".join(el.itertext())
    text = clean(text)
    return text if text and len(text) <= MAX_BYLINE_CHARS else None


def sign_off(tree, text: str) -> str | None:
    """The last paragraph of the article's text when it is a credit, not a sentence.

    Outlets that sign articles at the end ("... xạ trị." then "Lê Phương" in bold, right
    aligned) give no byline above the text. The line must look like a name or two (a few
    capitalised words, no digits, no closing punctuation) and be set apart on the
    page: a paragraph that is all bold or italics, or aligned right. Only lines of that
    shape are looked up in the page, so articles that end in a sentence cost nothing.
    """
    last = text.rsplit("\n\n", 1)[-1].strip() if text else ""
    if not _name_shaped(last):
        return None
    for paragraph in tree.iter("p"):
        if clean(paragraph.text_content()) == last and _set_apart(paragraph):
            return last
    return None


def _name_shaped(line: str) -> bool:
    """Whether a line looks like a name or two: a few capitalised words, no digits, no
    closing punctuation."""
    words = line.split()
    return not (
        not 1 <= len(words) <= MAX_SIGN_OFF_WORDS
        or line[-1] in ".:;,!?…"
        or any(c.isdigit() for c in line)
        or any(not word[:1].isalpha() for word in words)
        # Names are capitalised; lower case only in joiners and particles ("and", "van").
        or _starts_lower(words[0])
        or _starts_lower(words[-1])
        or sum(_starts_lower(word) for word in words) * 2 > len(words)
    )


def sign_off_credits(closing_credit: str | None, outlet: Outlet) -> list[Credit]:
    """The credits of a sign-off. One word alone ("Ende", "Sources") names a person too
    rarely to be taken for one; it counts when it is an agency or a desk ("IN-Redaktion")."""
    credits = string_credits([closing_credit] if closing_credit else [], outlet)
    return [c for c in credits if c.kind != PERSON or len(c.name.split()) > 1]


def _set_apart(paragraph) -> bool:
    """A paragraph aligned right, or whose whole text is one bold or italic element."""
    if RIGHT_ALIGNED.search(paragraph.get("style") or "") or paragraph.get("align") == "right":
        return True
    children = [child for child in paragraph if isinstance(child.tag, str)]
    return (
        len(children) == 1
        and children[0].tag in EMPHASIS_TAGS
        and not (paragraph.text or "").strip()
        and not (children[0].tail or "").strip()
    )


# --- normalising names ---------------------------------------------------------------------


def string_credits(values: list[str], outlet: Outlet) -> list[Credit]:
    """The credits in free-text bylines: split, stripped of roles, emails, URLs, datelines."""
    credits = []
    for value in values:
        if PHOTO_CREDIT.match(value):
            continue
        after_outlet = False
        for part in _parts(value):
            credit = classify(part, outlet)
            if after_outlet and credit.kind == PERSON and len(part.split()) == 1:
                continue  # "hessenschau.de, Frankfurt, Germany": the outlet's address
            after_outlet = after_outlet or outlet.named_by(part) or bool(DOMAIN.fullmatch(part))
            credits.append(credit)
    return _dedupe(credits)


def _parts(value: str) -> list[str]:
    """One byline string cut into candidate names, each trimmed of non-name words."""
    value = DATELINE.sub("", HANDLE.sub(" ", EMAIL.sub(" ", URL.sub(" ", _unannotated(value)))))
    names = []
    for part in CREDIT_SPLIT.split(value):
        name = _trim(part)
        if name:
            names.append(name)
    return names


def _unannotated(value: str) -> str:
    """A byline without its bracketed notes, unless the brackets hold all of it ("(AFP)")."""
    bare = ANNOTATION.sub("", value)
    return bare if bare.strip(" ,;|/-") else value


def _trim(part: str) -> str | None:
    """A candidate name without "By", timestamps, job titles; None when nothing is left."""
    part = PARTICLE_PREFIX.sub("", CREDIT_PREFIX.sub("", clean(part) or ""))
    # A note whose bracket a split or a length limit left open ("Jane Smith (JS").
    part = UNCLOSED.sub("", DATELINE.sub("", part)).strip(" .:-–—()[]\"'")
    for title in SUFFIX_TITLES:
        part = part.removesuffix(title).strip()
    words = part.split()
    if not words or len(words) > MAX_NAME_WORDS:
        return None
    if CMS_ACCOUNT.fullmatch(part):
        return None  # the CMS's default account ("admin"), not a credit
    if len(words) == 1 and part.casefold() in LABEL_WORDS:
        return None  # a byline template's label ("Article"), its name left out
    if any(_is_role(word) for word in words):
        return None  # a job title ("Leitender Wirtschaftsredakteur"), not a name
    if len(words) > 1 and sum(_starts_lower(word) for word in words) * 2 > len(words):
        return None  # a phrase ("please sign in to share"): names are capitalised
    return part


def _is_role(word: str) -> bool:
    """A job title, also inside a compound ("Wirtschaftsredakteur", "Sportreporter")."""
    word = word.casefold().strip(".,:")
    return word in ROLE_WORDS or word.endswith(ROLE_SUFFIXES)


def _starts_lower(word: str) -> bool:
    return word[:1].islower()


def classify(name: str, outlet: Outlet) -> Credit:
    """A name as a person, a news agency or a house credit (the outlet, its desk)."""
    name_key = key(name)
    if name_key in AGENCIES:
        return Credit(name, AGENCY)
    if (
        outlet.named_by(name)
        or set(name_key.split()) & STAFF_WORDS
        or INITIALS.match(name)
        or DOMAIN.fullmatch(name)  # a website, this outlet's or a partner's
    ):
        return Credit(name, HOUSE)
    return Credit(name, PERSON)


def _dedupe(credits: list[Credit]) -> list[Credit]:
    """Credits once each, "Sophie Foster" and "Sophie-Foster" being the same person."""
    seen, kept = set(), []
    for credit in credits:
        folded = key(credit.name)
        if folded and folded not in seen:
            seen.add(folded)
            kept.append(credit)
    return kept
