"""Publication dates: one test per rule of pipelines/extraction/dates.py, on short snippets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import trafilatura

from pipelines.extract import extract_article
from pipelines.extraction import dates, jsonld

URL = "https://news.example/world/libya-talks-resume"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BODY = "<p>The talks resumed in Geneva on Thursday.</p>"


def ld(*objects: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(list(objects))}</script>'


def meta(name: str, content: str) -> str:
    return f'<meta property="{name}" content="{content}">'


def published(
    head: str = "",
    body: str = BODY,
    day: str | None = None,
    url: str = URL,
    now=NOW,
    before: str = "",
) -> tuple[str | None, str]:
    """dates.published of a page whose <article> holds `body`, after the `before` markup."""
    html = f"<html><head>{head}</head><body>{before}<article>{body}</article></body></html>"
    tree = trafilatura.load_html(html)
    return dates.published(tree, jsonld.article_objects(tree), day, url, now=now)


def test_article_jsonld_outranks_meta_markup_and_trafilatura_and_keeps_its_offset():
    head = ld({"@type": "NewsArticle", "datePublished": "2024-05-23T00:30:00+02:00"})
    head += meta("article:published_time", "2024-05-23T09:00:00+02:00")
    body = f'<time datetime="2024-05-23T10:00:00+02:00">10:00</time>{BODY}'
    # Not converted to UTC, which would make it the 22nd.
    assert published(head, body, day="2024-05-24") == ("2024-05-23T00:30:00+02:00", "jsonld")


def test_nested_image_and_video_dates_are_not_the_articles():
    head = ld(
        {
            "@type": "NewsArticle",
            "headline": "Talks resume",
            "image": {"@type": "ImageObject", "datePublished": "2019-01-01T00:00:00Z"},
            "video": {"@type": "VideoObject", "datePublished": "2020-02-02T00:00:00Z"},
        },
        {"@type": "WebPage", "datePublished": "2018-03-03T00:00:00Z"},
    )
    head += meta("article:published_time", "2024-05-23T09:00:00+02:00")
    assert published(head) == ("2024-05-23T09:00:00+02:00", "meta")


def test_a_related_articles_jsonld_object_is_not_this_pages():
    head = ld(
        {"@type": "NewsArticle", "url": "https://news.example/old", "datePublished": "2021-01-01"},
        {"@type": "NewsArticle", "url": URL, "datePublished": "2024-05-23T09:00:00Z"},
    )
    assert published(head) == ("2024-05-23T09:00:00+00:00", "jsonld")


def test_print_edition_day_in_meta_loses_to_the_earlier_online_release():
    head = ld({"@type": "NewsArticle", "datePublished": "2024-04-25T19:30:04+02:00"})
    head += '<meta name="date" content="2024-04-26" scheme="YYYY-MM-DD">'
    assert published(head) == ("2024-04-25T19:30:04+02:00", "jsonld")


def test_live_blog_first_release_beats_the_update_its_meta_calls_published():
    head = ld(
        {
            "@type": "LiveBlogPosting",
            "datePublished": "2024-05-04T13:23:00Z",
            "dateModified": "2024-05-05T19:49:50Z",
            "liveBlogUpdate": [{"@type": "BlogPosting", "datePublished": "2024-05-05T19:00:00Z"}],
        }
    )
    head += meta("article:published_time", "2024-05-05T19:49:50Z")
    assert published(head) == ("2024-05-04T13:23:00+00:00", "jsonld")


def test_an_earlier_meta_release_beats_a_jsonld_that_states_the_republication():
    head = ld({"@type": "NewsArticle", "datePublished": "2024-05-20T08:00:00+02:00"})
    head += meta("article:published_time", "2024-05-18T17:00:00+02:00")
    assert published(head) == ("2024-05-18T17:00:00+02:00", "meta")


def test_one_release_stated_twice_is_told_by_the_most_trusted_source():
    # The meta's stamp is 40 seconds earlier and in another zone: still one release.
    head = ld({"@type": "NewsArticle", "datePublished": "2024-05-23T02:00:30Z"})
    head += meta("article:published_time", "2024-05-22T21:59:50-04:00")
    assert published(head) == ("2024-05-23T02:00:30+00:00", "jsonld")


def test_a_bare_day_gives_way_to_a_stamp_of_that_day_with_its_time():
    head = ld({"@type": "NewsArticle", "datePublished": "2024-05-23"})
    head += meta("article:published_time", "2024-05-23T15:00:00+02:00")
    assert published(head) == ("2024-05-23T15:00:00+02:00", "meta")


def test_future_and_pre_1990_stamps_are_skipped():
    head = ld({"@type": "NewsArticle", "datePublished": "2024-07-01T08:00:00+02:00"})
    head += meta("article:published_time", "1970-01-01T00:00:00Z")
    assert published(head, day="2024-05-23") == ("2024-05-23", "trafilatura")


def test_a_stamp_without_zone_is_future_only_when_ahead_everywhere_on_earth():
    # Noon UTC on 1 June is already 21:00 in Tokyo: a zoneless 21:00 is not in the future.
    head = meta("article:published_time", "2024-06-01T21:00:00")
    assert published(head) == ("2024-06-01T21:00:00", "meta")
    assert published(meta("article:published_time", "2024-06-02T08:00:00"))[1] == "none"


def test_now_defaults_to_the_current_time():
    head = meta("article:published_time", "2024-05-23T09:00:00Z")
    assert published(head, now=None) == ("2024-05-23T09:00:00+00:00", "meta")


def test_the_articles_time_element_is_used_when_the_page_states_nothing_else():
    body = '<p class="byline">By A. Salem <time datetime="2024-05-23T11:00:00+02:00">'
    body += f"23 May</time></p>{BODY}"
    assert published(body=body, day="2024-05-20") == ("2024-05-23T11:00:00+02:00", "markup")


def test_times_of_teasers_asides_and_comments_are_not_the_articles():
    body = (
        '<a href="/world/older-story"><time datetime="2024-05-01T08:00:00Z">1 May</time></a>'
        '<aside><time datetime="2024-05-02T08:00:00Z">2 May</time></aside>'
        '<div class="related-articles"><time datetime="2024-05-03T08:00:00Z">3 May</time></div>'
        '<div id="comments"><time datetime="2024-05-04T08:00:00Z">4 May</time></div>'
        f'<time datetime="2024-05-23T11:00:00Z">23 May</time>{BODY}'
    )
    assert published(body=body) == ("2024-05-23T11:00:00+00:00", "markup")


def test_a_live_tickers_entries_are_not_the_articles_time():
    body = (
        '<div class="live-event-entries">'
        '<div class="entry"><time datetime="2024-05-24T09:00:00Z">09:00</time></div>'
        '<div class="entry"><time datetime="2024-05-23T07:00:00Z">07:00</time></div></div>'
    )
    assert published(body=body, day="2024-05-22") == ("2024-05-22", "trafilatura")


def test_a_time_marked_as_update_is_not_the_publication():
    body = (
        '<time class="date-updated" datetime="2024-05-24T09:00:00Z">Updated</time>'
        '<time datetime="2024-05-23T07:00:00Z">Posted</time>'
    )
    assert published(body=body) == ("2024-05-23T07:00:00+00:00", "markup")


def test_a_time_marked_published_is_preferred_to_other_times():
    body = (
        '<time datetime="2024-05-25T09:00:00Z">Photo taken</time>'
        '<time class="entry-date published" datetime="2024-05-23T07:00:00Z">Posted</time>'
    )
    assert published(body=body) == ("2024-05-23T07:00:00+00:00", "markup")


def test_a_time_in_the_article_beats_the_site_headers_date_of_today():
    before = '<header><time datetime="2024-06-01">Saturday, 1 June 2024</time></header>'
    body = f'<time datetime="2024-05-23T07:00:00Z">23 May</time>{BODY}'
    assert published(body=body, before=before) == ("2024-05-23T07:00:00+00:00", "markup")


def test_a_time_in_a_permalink_to_this_page_is_the_articles():
    body = (
        f'<a href="{URL}/" rel="bookmark"><time datetime="2024-05-23T07:00:00Z">23 May</time></a>'
    )
    assert published(body=body) == ("2024-05-23T07:00:00+00:00", "markup")


def test_a_date_segment_of_the_title_beats_trafilaturas_guess():
    head = "<title>Talks resume in Geneva | Europe | DW | 23.05.2024</title>"
    assert published(head, day="2024-05-20") == ("2024-05-23", "markup")


def test_a_date_inside_the_headlines_words_is_not_the_pages():
    head = "<title>What the 23.05.2024 vote means | News Site</title>"
    assert published(head, day="2024-05-20") == ("2024-05-20", "trafilatura")


def test_trafilaturas_day_when_the_markup_states_nothing():
    assert published(day="2024-05-23") == ("2024-05-23", "trafilatura")


def test_the_urls_day_is_the_last_resort():
    url = "https://news.example/2024/05/23/libya-talks-resume/"
    assert published(url=url) == ("2024-05-23", "url")
    assert published(url="https://news.example/news/2024-05-22-libya-talks") == (
        "2024-05-22",
        "url",
    )


def test_no_date_at_all_gives_none():
    assert published() == (None, "none")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-30 16:17:29 +02:00", "2024-04-30T16:17:29+02:00"),
        ("2024-04-27T07:39+0200", "2024-04-27T07:39:00+02:00"),
        ("2025-02-02T19:07:46.0000000Z", "2025-02-02T19:07:46+00:00"),
        ("2023-04-28 18:11:01.0", "2023-04-28T18:11:01"),
        ("2024-04-22", "2024-04-22"),
        ("Mon, 05 Aug 2024 12:47:21 GMT", "2024-08-05T12:47:21+00:00"),
        ("Fri Apr 28 19:20:36 CEST 2023", "2023-04-28T19:20:36"),
        (
            "Fri Apr 28 2023 17:52:31 GMT+0000 (Coordinated Universal Time)",
            "2023-04-28T17:52:31+00:00",
        ),
        ("1762513252000", "2025-11-07T11:00:52+00:00"),
        ("2024-02-30", None),
        ("2024-05-23T10:00:00+25:00", None),
        ("yesterday", None),
        ("18:41", None),
    ],
)
def test_stamps_are_normalised_to_iso_8601_with_the_pages_zone(value, expected):
    stamp = dates.parse_stamp(value)
    assert (stamp.text if stamp else None) == expected


def test_modified_reads_the_articles_jsonld_then_meta():
    head = ld({"@type": "NewsArticle", "dateModified": "2024-05-24T08:00:00+02:00"})
    head += meta("article:modified_time", "2024-05-25T08:00:00+02:00")
    tree = trafilatura.load_html(f"<html><head>{head}</head><body>{BODY}</body></html>")
    assert dates.modified(tree, jsonld.article_objects(tree)) == "2024-05-24T08:00:00+02:00"


# Whole pages through extract_article: htmldate (trafilatura's day) runs as in production.
WORDS = {
    "en": "The talks resumed in Geneva on Thursday, with delegations from both sides. ",
    "fr": "Les négociations ont repris à Genève jeudi, avec des délégations des deux camps. ",
    "de": "Die Gespräche wurden am Donnerstag in Genf mit beiden Delegationen fortgesetzt. ",
    "es": "Las conversaciones se reanudaron el jueves en Ginebra con ambas delegaciones. ",
    "ar": "استؤنفت المحادثات في جنيف يوم الخميس بحضور وفدين من الطرفين. ",
}


def extracted(url: str, title: str, lang: str = "en", head: str = "", lead: str = "") -> dict:
    """extract_article's answer for a page titled `title` whose article opens with `lead`."""
    text = f"<p>{WORDS[lang] * 6}</p>"
    html = (
        f'<html lang="{lang}"><head><title>{title}</title>{head}</head><body>'
        f"<article><h1>{title.split(' | ')[0]}</h1>{lead}{text}</article></body></html>"
    )
    return extract_article(html, url)


def dated(article: dict) -> tuple[str | None, str]:
    return article["published_date"], article["date_source"]


def test_a_title_day_years_from_the_urls_day_gives_way_to_a_consistent_date_arabic():
    article = extracted("https://news.example/ar/2024/05/23/talks/", "محادثات | 2016-03-03", "ar")
    assert dated(article) == ("2024-05-23", "trafilatura")


def test_a_title_day_years_from_the_urls_day_gives_way_to_a_consistent_date_german():
    url = "https://news.example/de/2024-05-23-gespraeche.html"
    assert dated(extracted(url, "Gespräche | 03.03.2016", "de")) == ("2024-05-23", "trafilatura")


def test_a_fallback_day_years_from_the_urls_month_is_no_date_english():
    url = "https://news.example/world/2024/05/talks-resume/"
    article = extracted(url, "Talks resume", lead="<p>3 March 2016</p>")
    assert dated(article) == (None, "none")


def test_a_fallback_day_years_from_the_urls_month_is_no_date_french():
    url = "https://news.example/fr/2024/05/negociations/"
    article = extracted(url, "Négociations", "fr", lead="<p>3 mars 2016</p>")
    assert dated(article) == (None, "none")


def test_an_old_article_showing_only_old_dates_keeps_its_day():
    url = "https://news.example/fr/2012/03/negociations/"
    article = extracted(url, "Négociations", "fr", lead="<p>3 mars 2012</p>")
    assert dated(article) == ("2012-03-03", "trafilatura")
    url = "https://news.example/ar/2012/03/05/talks/"
    assert dated(extracted(url, "محادثات", "ar")) == ("2012-03-05", "trafilatura")


def test_an_article_recalling_an_event_years_earlier_keeps_its_own_day():
    url = "https://news.example/world/2024/05/23/talks-resume/"
    lead = "<p>The uprising began on 17 February 2011, thirteen years ago.</p>"
    assert dated(extracted(url, "Talks resume", lead=lead)) == ("2024-05-23", "trafilatura")
    lead = "<p>بدأت الانتفاضة في 17 فبراير 2011.</p>"
    url = "https://news.example/ar/2024/05/23/talks/"
    assert dated(extracted(url, "محادثات", "ar", lead=lead)) == ("2024-05-23", "trafilatura")


def test_a_fallback_day_years_after_the_articles_own_update_is_dropped():
    # A release cannot follow the article's update by years; the URL's day is consistent.
    body = f'<time class="updated" datetime="2016-05-23T10:00:00Z">Updated</time>{BODY}'
    url = "https://news.example/2016/05/20/libya-talks-resume/"
    assert published(body=body, day="2024-05-23", url=url) == ("2016-05-20", "url")


def test_an_old_article_updated_years_later_keeps_its_fallback_day():
    body = f'<time class="updated" datetime="2024-05-23T10:00:00Z">Updated</time>{BODY}'
    assert published(body=body, day="2016-03-03") == ("2016-03-03", "trafilatura")


def test_teasers_dates_do_not_challenge_an_old_articles_fallback_day():
    before = '<aside><time datetime="2024-05-20T08:00:00Z">20 May</time></aside>'
    assert published(before=before, day="2012-03-05") == ("2012-03-05", "trafilatura")


@pytest.mark.parametrize(
    "shown",
    [
        '<div class="byline"><time datetime="2024-05-23T11:16:53Z">1 day ago</time></div>',
        # Marked as the publication, but the instant of the stated modification: the update,
        # not a later release of a developing story.
        '<time class="published" datetime="2024-05-23T11:16:53.545Z">1 day ago</time>',
    ],
)
def test_an_evergreen_pages_first_release_outranks_its_visible_update_years_later(shown):
    # The publisher's earliest statement counts, though the byline shows only the update.
    head = ld(
        {
            "@type": "NewsArticle",
            "datePublished": "2012-05-10T14:29:05Z",
            "dateModified": "2024-05-23T11:16:53Z",
        }
    )
    body = shown
    url = "https://news.example/world/what-is-nato"
    article = extract_article(f"<html><head>{head}</head><body>{body}{BODY}</body></html>", url)
    assert dated(article) == ("2012-05-10", "jsonld")


def test_a_developing_storys_earlier_meta_release_outranks_its_later_dateline_spanish():
    head = meta("article:published_time", "2023-09-10T22:00:00+02:00")
    head += meta("article:modified_time", "2023-09-12T09:00:00+02:00")
    lead = '<p>Actualizado <time datetime="2023-09-12T09:00:00+02:00">12 sep 2023</time></p>'
    url = "https://news.example/es/2023/09/12/inundaciones-derna/"
    article = extracted(url, "Inundaciones en Derna", "es", head=head, lead=lead)
    assert dated(article) == ("2023-09-10", "meta")


def test_a_developing_story_shows_this_versions_release_where_its_meta_keeps_the_first():
    head = meta("article:published_time", "2024-05-20T08:00:00Z")
    body = '<p>By Amal Idris</p><time class="published" datetime="2024-05-23T16:00:00Z">'
    body += f"23 May 2024</time>{BODY}"
    assert published(head, body) == ("2024-05-23T16:00:00+00:00", "markup")
    # The same with the version's update stated apart from its release.
    head += meta("article:modified_time", "2024-05-24T09:00:00Z")
    assert published(head, body) == ("2024-05-23T16:00:00+00:00", "markup")


@pytest.mark.parametrize(
    "shown",
    [
        '<time datetime="2024-05-23T16:00:00Z">23 May</time>',  # not marked as the release
        '<time class="updated" datetime="2024-05-23T16:00:00Z">23 May</time>',  # an update
        '<time class="published" datetime="2024-05-21T03:30:00+02:00">21 May</time>',  # same
        '<time class="published" datetime="2024-05-19T10:00:00Z">19 May</time>',  # earlier
    ],
)
def test_the_statements_release_stands_against_other_shown_times(shown):
    # The same instant written in another zone is another day on paper, not a later release.
    head = meta("article:published_time", "2024-05-20T21:30:00-04:00")
    assert published(head, shown + BODY) == ("2024-05-20T21:30:00-04:00", "meta")
