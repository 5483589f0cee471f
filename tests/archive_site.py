"""A small news site with a past, on 127.0.0.1: month archives, yearly sitemaps, 2010-2019.

The Cyrenaica Courier keeps month archive pages (/archive/2013/04/?page=N, three articles a
page, newest first; a month without news is an empty page, as is the page after the last)
and a sitemap index of yearly sitemaps, plus one of undated /story/ pages and one of static
pages. Its articles run from 2010 to 2019, so a backfill of 2012-2016 must find those of its
window and leave the others, and the server's log (`requested`) shows what it asked for.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.local_server import LocalServer

PAGE_SIZE = 3
FIRST, LAST = "2012-01-01", "2016-12-31"


@dataclass(frozen=True)
class Story:
    day: str  # YYYY-MM-DD, as the page's article:published_time gives it
    slug: str
    title: str
    author: str
    paragraphs: tuple[str, ...]
    dated_url: bool = True  # /news/2013/04/23/slug/ rather than /story/slug
    updated: str | None = None  # the sitemap's lastmod, when the page changed after its day

    @property
    def path(self) -> str:
        if self.dated_url:
            return f"/news/{self.day.replace('-', '/')}/{self.slug}/"
        return f"/story/{self.slug}"

    @property
    def in_window(self) -> bool:
        return FIRST <= self.day <= LAST


STORIES = (
    Story(
        "2010-11-29",
        "tripoli-hosts-africa-europe-summit",
        "Tripoli hosts the Africa-Europe summit",
        "Nadia Bensaud",
        (
            "Heads of state from Africa and Europe gathered in Tripoli on Monday for a two-day "
            "summit on migration, trade and investment, the largest meeting Libya has hosted.",
            "Libyan officials said the talks would cover the thousands of migrants who cross "
            "the desert every year to reach the Mediterranean coast and the boats to Europe.",
            "European delegations pressed for agreements on border patrols, while African "
            "leaders asked for investment in roads, ports and power stations across the region.",
            "The summit closed with a declaration on cooperation that Libyan newspapers printed "
            "in full, though few of its promises were ever costed.",
        ),
    ),
    Story(
        "2011-10-20",
        "sirte-falls-as-war-ends",
        "Sirte falls as the war draws to an end",
        "Omar Elfeituri",
        (
            "Fighters of the National Transitional Council took the last districts of Sirte on "
            "Thursday after weeks of siege, and celebrations spread through Libyan cities.",
            "Residents who had fled the coastal city described streets of ruined houses, and "
            "aid groups said water and electricity would take months to restore.",
            "The council said it would declare the liberation of the whole country within days "
            "and begin the work of drafting rules for elections to a national assembly.",
            "In Misrata and Zintan, brigades that had fought in Sirte said they would keep their "
            "weapons until a national army was formed.",
        ),
        dated_url=False,
    ),
    Story(
        "2011-12-31",
        "tripoli-new-year-first-since-revolution",
        "Tripoli marks its first New Year since the revolution",
        "Nadia Bensaud",
        (
            "Crowds filled Martyrs' Square in Tripoli on Saturday night to welcome the first "
            "New Year since the fall of the old regime, with fireworks and music until dawn.",
            "Families said they hoped the coming year would bring elections, jobs and an end "
            "to the armed brigades that still guard checkpoints across the Libyan capital.",
            "Ministers of the interim government promised that the army and police would be "
            "rebuilt, and that salaries delayed by the war would be paid in January.",
            "Shopkeepers in the old city reported brisk trade in sweets and flags, the red, black "
            "and green of the new Libya.",
        ),
        updated="2012-01-02",
    ),
    Story(
        "2012-02-17",
        "benghazi-marks-revolution-anniversary",
        "Benghazi marks the first anniversary of the revolution",
        "Omar Elfeituri",
        (
            "Tens of thousands of people gathered on the Benghazi corniche on Friday to mark "
            "one year since the uprising that began in the city and spread across Libya.",
            "Speakers praised the young men who died in the first days of fighting, and "
            "families carried photographs of relatives killed during the eight months of war.",
            "Some in the crowd called for a greater share of oil revenue for the east, a demand "
            "that local leaders said the new authorities in Tripoli could no longer ignore.",
            "Security was provided by volunteers from local brigades, and the day passed without "
            "any serious incident in the city.",
        ),
    ),
    Story(
        "2012-07-07",
        "libyans-vote-for-national-congress",
        "Libyans vote for a General National Congress",
        "Salma Idris",
        (
            "Libyans queued outside polling stations on Saturday to elect a General National "
            "Congress, the first free national vote in the country for nearly half a century.",
            "Election officials said turnout was high in Tripoli and Misrata, while protesters "
            "in parts of the east burned ballot papers to demand more seats for their region.",
            "Observers from abroad said the vote was largely peaceful and well organised, and "
            "counting began as soon as the polls closed in the evening.",
            "Results were expected within a week, and the congress would then choose a government "
            "and oversee the drafting of a constitution.",
        ),
        dated_url=False,
    ),
    Story(
        "2013-04-03",
        "misrata-port-expands",
        "Misrata port expands its container terminal",
        "Hana Fitouri",
        (
            "The free zone authority in Misrata said on Wednesday that a new quay at the city's "
            "port would double the number of container ships it can handle each month.",
            "Traders said goods bound for Tripoli and the south increasingly arrive through "
            "Misrata, whose port escaped the worst damage of the fighting two years ago.",
            "Port managers added that customs procedures were being simplified, and that a "
            "road link to the coastal highway would be widened before the end of the year.",
            "Business owners in Misrata welcomed the plans but asked the government in Tripoli to "
            "pay contractors who had waited months for their money.",
        ),
    ),
    Story(
        "2013-04-11",
        "ghadames-date-harvest",
        "Ghadames farmers count on a good date harvest",
        "Hana Fitouri",
        (
            "Farmers in the oasis town of Ghadames, near the borders with Algeria and Tunisia, "
            "say the palms promise one of the best date harvests in years.",
            "Water from the old spring is still shared by a schedule that families have kept "
            "for generations, and new wells have helped gardens at the edge of the oasis.",
            "Merchants expect buyers from Tripoli and Sabha, although the long road across the "
            "desert remains costly and, in places, unsafe for lorries.",
            "The town's old quarter, a World Heritage site of covered lanes and whitewashed "
            "houses, still draws a few visitors in the cooler months.",
        ),
        dated_url=False,
    ),
    Story(
        "2013-04-23",
        "car-bomb-hits-french-embassy",
        "Car bomb hits the French embassy in Tripoli",
        "Salma Idris",
        (
            "A car bomb exploded outside the French embassy in Tripoli early on Tuesday, "
            "wounding two guards and damaging houses and shops in the quiet street.",
            "The Libyan government condemned the attack and promised an investigation, while "
            "French ministers flew to the capital to inspect the damage.",
            "Diplomats said the bombing was the most serious attack on a foreign mission in "
            "Tripoli since the revolution, and several embassies reviewed their security.",
            "Police closed the street for the day, and neighbours swept broken glass from their "
            "doorsteps while investigators collected pieces of the vehicle.",
        ),
    ),
    Story(
        "2013-04-29",
        "gunmen-surround-justice-ministry",
        "Gunmen surround the justice ministry in Tripoli",
        "Omar Elfeituri",
        (
            "Armed men in pickup trucks surrounded the justice ministry in Tripoli on Monday, "
            "demanding that the congress pass a law barring former regime officials from office.",
            "The foreign ministry was blockaded a day earlier by the same groups, and staff "
            "said they had been told not to come to work until the vote was held.",
            "Members of the congress said they would not legislate under the threat of guns, "
            "but many expected the isolation law to pass within the coming weeks.",
            "Several ministers said privately that the standoff showed how little power the state "
            "held over the brigades it paid.",
        ),
    ),
    Story(
        "2014-05-16",
        "haftar-launches-benghazi-offensive",
        "Haftar launches an offensive in Benghazi",
        "Nadia Bensaud",
        (
            "Forces loyal to retired general Khalifa Haftar attacked the bases of Islamist "
            "militias in Benghazi on Friday, in an operation he called Dignity.",
            "Helicopters and aircraft took part in the fighting in the south-west of the city, "
            "and hospitals reported dozens of dead and many more wounded.",
            "The government in Tripoli called the attack a coup against the state, while some "
            "army units in the east declared their support for the general.",
            "Schools and shops in the affected districts closed, and families moved to relatives "
            "in safer parts of Benghazi as the clashes continued.",
        ),
    ),
    Story(
        "2014-08-24",
        "tripoli-airport-falls-to-libya-dawn",
        "Tripoli airport falls to Libya Dawn forces",
        "Salma Idris",
        (
            "Fighters of the Libya Dawn coalition took Tripoli's international airport on "
            "Saturday after five weeks of battles with the Zintan brigades that held it.",
            "Burned aircraft stood on the runway, and a fuel depot nearby was still smoking "
            "after days of fires that firefighters had struggled to contain.",
            "Residents of the southern districts returned to find houses hit by rockets, and "
            "many foreign embassies had already left the capital for Tunisia.",
            "The House of Representatives, meeting in Tobruk, called the coalition a terrorist "
            "group, deepening the split between the country's rival authorities.",
        ),
    ),
    Story(
        "2015-12-17",
        "rival-factions-sign-skhirat-agreement",
        "Rival Libyan factions sign the Skhirat agreement",
        "Hana Fitouri",
        (
            "Delegates of Libya's rival parliaments signed an agreement under United Nations "
            "auspices in the Moroccan town of Skhirat on Thursday to form a unity government.",
            "The deal creates a Presidential Council and keeps the House of Representatives "
            "as the legislature, with a State Council of former congress members beside it.",
            "Several leaders on both sides rejected the agreement, and diplomats warned that "
            "the new government would need to win over the armed groups in Tripoli.",
            "The United Nations envoy called the signing a first step and urged the parties to "
            "end the fighting that had divided Libya since 2014.",
        ),
    ),
    Story(
        "2016-03-30",
        "presidential-council-arrives-by-sea",
        "Presidential Council arrives in Tripoli by sea",
        "Omar Elfeituri",
        (
            "Members of the Presidential Council sailed into Tripoli's naval base on Wednesday "
            "after rival authorities had closed the capital's airspace to stop them landing.",
            "Prime minister designate Fayez al-Sarraj said the council would start work at once "
            "on security, electricity and the shortage of cash in the banks.",
            "Armed groups loyal to the government of national salvation called the arrival "
            "illegal, but several Tripoli brigades announced their support within hours.",
            "Crowds gathered near the naval base to see the new leaders, and banks said they "
            "hoped the council would ease the shortage of cash.",
        ),
        dated_url=False,
    ),
    Story(
        "2016-12-06",
        "sirte-cleared-of-islamic-state",
        "Sirte cleared of Islamic State fighters",
        "Nadia Bensaud",
        (
            "Forces aligned with the unity government said on Tuesday that they had taken "
            "the last buildings held by Islamic State fighters in the coastal city of Sirte.",
            "The campaign lasted nearly seven months and cost hundreds of lives among the "
            "fighters from Misrata, who had advanced house by house through the city.",
            "Officials said families could not yet return, because mines and unexploded "
            "shells lay in the streets of the districts by the sea.",
            "Doctors in Misrata said the hospitals that had treated the wounded throughout the "
            "campaign were exhausted and short of medicines.",
        ),
    ),
    Story(
        "2019-04-04",
        "haftar-orders-advance-on-tripoli",
        "Haftar orders an advance on Tripoli",
        "Salma Idris",
        (
            "Khalifa Haftar ordered his forces to advance on Tripoli on Thursday, as the "
            "United Nations secretary-general was visiting the Libyan capital.",
            "Columns of vehicles moved north from Gharyan, and armed groups from Misrata and "
            "Zawiya said they would defend the city against the offensive.",
            "Diplomats called for restraint and feared the end of the national conference "
            "that the United Nations had planned for later in the month.",
            "Flights at Mitiga airport were suspended as aircraft struck targets south of the "
            "capital, and thousands of families fled their homes.",
        ),
    ),
)

ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Cyrenaica Courier</title>
<meta property="article:published_time" content="{day}T09:30:00+02:00">
<meta name="author" content="{author}"></head>
<body><nav><a href="/">Home</a> <a href="/about/">About</a></nav>
<article><h1>{title}</h1><p class="byline">By {author}</p>{body}</article>
<footer>The Cyrenaica Courier</footer></body></html>"""
ARCHIVE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Archive {month}</title></head>
<body><nav><a href="/">Home</a> <a href="/about/">About</a></nav><h1>Archive {month}</h1>
<ul>{items}</ul></body></html>"""
NO_NEWS = "<li>No articles this month.</li>"


def article_html(story: Story) -> str:
    body = "".join(f"<p>{p}</p>" for p in story.paragraphs)
    return ARTICLE.format(title=story.title, day=story.day, author=story.author, body=body)


def archive_html(month: str, page: int) -> str:
    """The month's page `page`: three of its stories, newest first (empty past the end)."""
    stories = sorted((s for s in STORIES if s.day[:7] == month), key=lambda s: s.day, reverse=True)
    shown = stories[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    items = "".join(f'<li><a href="{s.path}">{s.title}</a></li>' for s in shown)
    return ARCHIVE.format(month=month, items=items or NO_NEWS)


def sitemaps() -> dict[str, str]:
    """path -> XML: the index and its children, with `{origin}` to fill in."""
    by_year = {}
    for year in ("2010", "2012", "2013", "2014", "2015", "2016", "2019"):
        by_year[f"/sitemap-{year}.xml"] = [s for s in STORIES if s.dated_url and s.day[:4] == year]
    # A page of 2011 that the 2012 sitemap lists, as it was updated in 2012: the day in its
    # URL rules it out.
    by_year["/sitemap-2012.xml"].append(next(s for s in STORIES if s.day == "2011-12-31"))
    children = {path: urlset(stories) for path, stories in by_year.items()}
    children["/sitemap-stories.xml"] = urlset(
        [s for s in STORIES if not s.dated_url and s.day <= LAST]
    )
    children["/sitemap-pages.xml"] = (
        "<urlset><url><loc>{origin}/about/</loc><lastmod>2011-05-01</lastmod></url></urlset>"
    )
    lastmods = {
        "/sitemap-2010.xml": "2020-01-15",  # regenerated since; its name still says 2010
        "/sitemap-2012.xml": "2012-12-20",
        "/sitemap-2013.xml": "2013-04-29",
        "/sitemap-2014.xml": "2014-08-24",
        "/sitemap-2015.xml": "2015-12-17",
        "/sitemap-2016.xml": "2016-12-06",
        "/sitemap-2019.xml": "2019-04-04",
        "/sitemap-stories.xml": "2016-03-30",
        "/sitemap-pages.xml": "2011-05-01",  # changed last before the window
    }
    entries = "".join(
        f"<sitemap><loc>{{origin}}{path}</loc><lastmod>{day}</lastmod></sitemap>"
        for path, day in lastmods.items()
    )
    return {"/sitemap.xml": f"<sitemapindex>{entries}</sitemapindex>", **children}


def urlset(stories: list[Story]) -> str:
    entries = "".join(
        f"<url><loc>{{origin}}{s.path}</loc><lastmod>{s.updated or s.day}</lastmod></url>"
        for s in stories
    )
    return f"<urlset>{entries}</urlset>"


class ArchiveSite(LocalServer):
    """The site in a background thread; `requested` lists every path (and query) asked."""

    def __init__(self):
        self.requested: list[str] = []
        self.pages = {s.path: article_html(s) for s in STORIES}
        self.sitemaps = sitemaps()
        self.start_server(self._handler_class())

    def registry(self, outlet: str) -> str:
        o = self.origin
        return (
            f"outlets:\n  - id: {outlet}\n    name: The Cyrenaica Courier\n"
            f"    homepage: {o}/\n    language: en\n    scope: libya\n"
            f"    archives: ['{o}/archive/{{yyyy}}/{{mm}}/?page={{page}}']\n"
            f"    sitemaps: [{o}/sitemap.xml]\n"
            "    article_patterns: ['^/news/\\d{4}/\\d{2}/\\d{2}/[\\w-]+/$', '^/story/[\\w-]+$']\n"
        )

    def answer(self, target: str) -> tuple[int, str, str]:
        """(status, content type, body) for a request target."""
        parts = urlsplit(target)
        if parts.path in self.pages:
            return 200, "text/html; charset=utf-8", self.pages[parts.path]
        if parts.path in self.sitemaps:
            return (
                200,
                "application/xml",
                self.sitemaps[parts.path].replace("{origin}", self.origin),
            )
        segments = parts.path.strip("/").split("/")
        if len(segments) == 3 and segments[0] == "archive":
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            return 200, "text/html; charset=utf-8", archive_html("-".join(segments[1:]), page)
        return 404, "text/html", "<h1>Not found</h1>"

    def _handler_class(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the stdlib's name
                site.requested.append(self.path)
                status, kind, text = site.answer(self.path)
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
                pass

        return Handler
