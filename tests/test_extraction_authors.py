"""Author extraction: one small page per rule of pipelines/extraction/authors.py."""

from __future__ import annotations

import json

import trafilatura

from pipelines.extract import extract_article
from pipelines.extraction import jsonld
from pipelines.extraction.authors import Outlet, authors

HOST = "https://www.libya-herald.test/2024/05/story.html"


def credit(
    *,
    ld_author=None,
    head: str = "",
    body: str = "",
    trafilatura_author: str | None = None,
    site: str | None = "Libya Herald",
) -> tuple[list[str], str]:
    """The authors() answer for a page built from these parts."""
    script = ""
    if ld_author is not None:
        obj = {"@context": "https://schema.org", "@type": "NewsArticle", "author": ld_author}
        script = f'<script type="application/ld+json">{json.dumps(obj)}</script>'
    html = (
        f'<html><head><link rel="canonical" href="{HOST}">{head}{script}</head>'
        f"<body><article><h1>Talks resume in Geneva</h1>{body}"
        "<p>The talks resumed on Monday after a week of delays.</p></article></body></html>"
    )
    tree = trafilatura.load_html(html)
    return authors(tree, jsonld.article_objects(tree), trafilatura_author, site)


# --- the order of trust ----------------------------------------------------------------------


def test_jsonld_person_outranks_meta_byline_and_trafilatura():
    assert credit(
        ld_author={"@type": "Person", "name": "Amira Salem"},
        head='<meta name="author" content="John Doe">',
        body='<p class="byline">By Jane Roe</p>',
        trafilatura_author="Jim Poe",
    ) == (["Amira Salem"], "jsonld")


def test_meta_author_is_used_when_jsonld_names_nobody():
    assert credit(head='<meta name="author" content="John Doe">') == (["John Doe"], "meta")


def test_meta_author_that_is_a_profile_url_is_skipped():
    result = credit(
        head='<meta property="article:author" content="https://facebook.com/johndoe">',
        body='<span class="byline">By Jane Roe</span>',
    )
    assert result == (["Jane Roe"], "byline")


def test_byline_markup_is_used_before_trafilatura():
    assert credit(body='<a rel="author" href="/a/jr">Jane Roe</a>', trafilatura_author="X Y") == (
        ["Jane Roe"],
        "byline",
    )


def test_trafilatura_is_the_last_resort():
    assert credit(trafilatura_author="By Jim Poe") == (["Jim Poe"], "trafilatura")


def test_a_page_without_any_credit_gives_none():
    assert credit() == ([], "none")


# --- JSON-LD shapes ------------------------------------------------------------------------------


def test_jsonld_author_as_string_list_and_nested_name():
    assert credit(ld_author="Amira Salem")[0] == ["Amira Salem"]
    assert credit(ld_author=[{"@type": "Person", "name": "A One"}, {"name": "B Two"}])[0] == [
        "A One",
        "B Two",
    ]
    nested = {"@type": "Person", "name": {"@type": "Text", "name": "Amira Salem"}}
    assert credit(ld_author=nested)[0] == ["Amira Salem"]


def test_jsonld_author_reference_is_resolved_in_the_graph():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "NewsArticle", "author": {"@id": "#p1"}},
            {"@type": "Person", "@id": "#p1", "name": "Amira Salem"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    assert credit(head=head) == (["Amira Salem"], "jsonld")


def test_jsonld_organization_author_yields_to_a_person_in_the_byline():
    org = {"@type": "Organization", "name": "Libya Herald"}
    assert credit(ld_author=org, body='<p class="byline">By Jane Roe</p>') == (
        ["Jane Roe"],
        "byline",
    )


def test_jsonld_organization_author_is_kept_when_no_person_is_credited():
    org = {"@type": "NewsMediaOrganization", "name": "Libya Herald Newsroom"}
    assert credit(ld_author=org) == (["Libya Herald Newsroom"], "jsonld")


def test_visible_byline_with_more_coauthors_than_jsonld_wins():
    body = '<div class="bylines"><a rel="author">Amira Salem</a> <a rel="author">Jane Roe</a></div>'
    assert credit(ld_author={"@type": "Person", "name": "Amira Salem"}, body=body) == (
        ["Amira Salem", "Jane Roe"],
        "byline",
    )


# --- byline markup -----------------------------------------------------------------------------


def test_byline_takes_its_innermost_element_not_the_wrapper():
    body = (
        '<div class="byline-wrapper"><p class="author">von Jane Roe</p>'
        "<span>Tripoli Bureau Chief Office</span></div>"
    )
    assert credit(body=body) == (["Jane Roe"], "byline")


def test_a_timestamp_ends_the_byline():
    assert credit(trafilatura_author="By Jane Roe Updated May 5, 2024")[0] == ["Jane Roe"]
    assert credit(trafilatura_author="Jane Roe, Tom Poe Monday, November 12")[0] == [
        "Jane Roe",
        "Tom Poe",
    ]
    assert credit(body='<p class="author">von Jane Roe Stand: 28. April 2023</p>')[0] == [
        "Jane Roe"
    ]


def test_byline_prefers_the_itemprop_name_inside_an_author_element():
    body = (
        '<div itemprop="author" itemscope><span>Words:</span>'
        '<span itemprop="name">Jane Roe</span></div>'
    )
    assert credit(body=body) == (["Jane Roe"], "byline")


def test_comment_and_quote_authors_are_not_bylines():
    body = (
        '<div class="comments"><span class="author">troll99</span></div>'
        '<blockquote><span class="quote-author">Omar Mukhtar</span></blockquote>'
    )
    assert credit(body=body) == ([], "none")


def test_photo_credits_are_not_bylines():
    body = '<figure><img src="a.jpg"><figcaption class="author">Ali Ahmed</figcaption></figure>'
    assert credit(body=body) == ([], "none")
    head = '<meta itemprop="author" content="(Image: Getty Images/iStockphoto)">'
    assert credit(head=head) == ([], "none")


def test_utility_css_class_tokens_do_not_make_a_byline():
    body = "<div class=\"grid [grid-template-areas:'authors']\">Omar Sherif</div>"
    assert credit(body=body) == ([], "none")


# --- normalising names ----------------------------------------------------------------------


def test_bylines_are_split_into_people():
    assert credit(trafilatura_author="By Amira Salem and John Doe")[0] == [
        "Amira Salem",
        "John Doe",
    ]
    assert credit(trafilatura_author="Amira Salem, John Doe; Jane Roe")[0] == [
        "Amira Salem",
        "John Doe",
        "Jane Roe",
    ]
    assert credit(trafilatura_author="Von Anna Schmidt und Jan Bauer")[0] == [
        "Anna Schmidt",
        "Jan Bauer",
    ]
    assert credit(trafilatura_author="بقلم: سالم الفيتوري")[0] == ["سالم الفيتوري"]


def test_roles_and_job_titles_are_dropped():
    assert credit(trafilatura_author="Mathias Hagen / Journalist")[0] == ["Mathias Hagen"]
    assert credit(trafilatura_author="Holger Roth, Leitender Wirtschaftsredakteur")[0] == [
        "Holger Roth"
    ]
    assert credit(trafilatura_author="신현주 기자")[0] == ["신현주"]


def test_emails_and_urls_are_dropped():
    assert credit(trafilatura_author="Anna Schmidt a.schmidt@example.com")[0] == ["Anna Schmidt"]
    assert credit(head='<meta name="author" content="d.kuckel@example.com">') == ([], "none")
    assert credit(trafilatura_author="Tom Davies https://www.example.com/tom")[0] == ["Tom Davies"]


def test_social_media_handles_are_dropped():
    assert credit(body='<div class="byline">Jane Roe @janeroe</div>')[0] == ["Jane Roe"]


def test_cms_default_accounts_are_not_credits():
    assert credit(ld_author={"@type": "Person", "name": "admin"}) == ([], "none")
    assert credit(trafilatura_author="Jdadmin") == ([], "none")


def test_url_derived_fake_names_of_the_outlet_are_dropped():
    result = credit(trafilatura_author="Www Libya-Herald Test; Tom Davies")
    assert result == (["Tom Davies"], "trafilatura")


def test_the_outlet_is_dropped_when_a_person_is_named():
    assert credit(head='<meta name="author" content="Libya Herald, Tom Davies">')[0] == [
        "Tom Davies"
    ]
    # The host names the outlet too, when the page gives no site name.
    result = credit(head='<meta name="author" content="libya-herald.test, Tom Davies">', site=None)
    assert result[0] == ["Tom Davies"]


def test_the_outlet_is_recognised_by_host_name_and_initials():
    outlet = Outlet("The Observer", "www.libyaobserver.co.uk")
    assert outlet.named_by("Libyaobserver") and outlet.named_by("LIBYAOBSERVER.CO.UK")
    assert outlet.named_by("The Observer Sport")  # the outlet and its desk
    assert Outlet(None, "lon.ly").named_by("Libya Observer Network")
    assert not outlet.named_by("Co") and not Outlet(None, "dw.com").named_by("Daniel Wagner")


def test_the_outlet_is_the_credit_when_nobody_else_is_named():
    assert credit(ld_author={"@type": "Person", "name": "Libya Herald"}) == (
        ["Libya Herald"],
        "jsonld",
    )


def test_places_after_the_outlet_are_its_address_not_authors():
    head = '<meta name="author" content="libya-herald.test, Tripoli, Libya">'
    assert credit(head=head) == (["libya-herald.test"], "meta")


def test_staff_credits_are_dropped_when_a_person_is_named():
    assert credit(trafilatura_author="Jane Roe and Herald Staff")[0] == ["Jane Roe"]
    assert credit(ld_author=[{"name": "Online-Redaktion"}, {"name": "Jane Roe"}])[0] == ["Jane Roe"]
    assert credit(ld_author={"name": "Herald Staff"})[0] == ["Herald Staff"]


def test_an_agency_alone_is_kept():
    assert credit(ld_author={"@type": "Organization", "name": "AFP"}) == (["AFP"], "jsonld")
    assert credit(trafilatura_author="Reuters")[0] == ["Reuters"]


def test_an_agency_is_a_credit_beside_a_person_unlike_an_organisation():
    ld = [{"@type": "Person", "name": "Jane Roe"}, {"@type": "Organization", "name": "Reuters"}]
    assert credit(ld_author=ld)[0] == ["Jane Roe", "Reuters"]
    ld[1] = {"@type": "Organization", "name": "Herald Media Group"}
    assert credit(ld_author=ld)[0] == ["Jane Roe"]


def test_an_agency_beside_a_desk_credit_keeps_both():
    ld = [{"@type": "Organization", "name": "dpa"}, {"name": "Herald-Redaktion"}]
    assert credit(ld_author=ld)[0] == ["dpa", "Herald-Redaktion"]


def test_an_agency_source_note_does_not_overrule_a_trusted_house_credit():
    org = {"@type": "Organization", "name": "Libya Herald"}
    body = '<div class="source-author">Quelle: sid/dpa</div>'
    assert credit(ld_author=org, body=body) == (["Libya Herald"], "jsonld")


def test_case_and_hyphen_variants_are_one_person():
    assert credit(trafilatura_author="Sophie Foster; Sophie-Foster; SOPHIE FOSTER")[0] == [
        "Sophie Foster"
    ]


def test_initials_are_a_weak_credit_below_a_house_credit():
    org = {"@type": "Organization", "name": "Herald Sport"}
    assert credit(ld_author=org, body='<p class="article-author">amw</p>') == (
        ["Herald Sport"],
        "jsonld",
    )


def test_lowercase_phrases_are_not_names():
    body = '<div class="author-header">Ali Ahmed, please sign in to share</div>'
    assert credit(body=body) == (["Ali Ahmed"], "byline")


def test_names_keep_the_case_shown_on_the_page():
    assert credit(ld_author={"name": "André Oliver KLEIN"})[0] == ["André Oliver KLEIN"]


# --- sign-offs at the end of the text --------------------------------------------------------

PARAGRAPHS = [
    "The National Oil Corporation said on Monday that output at the Sharara field had "
    "resumed after a shutdown of nearly two weeks caused by a protest at the pumping station.",
    "Engineers in Tripoli said repairs to the pipeline that links the field to the coast were "
    "complete and that exports from the terminal at Zawiya would restart within days.",
    "Local officials in the south said the protesters had ended their sit-in after talks "
    "with the government over jobs, fuel deliveries and the state of the region's hospitals.",
]


def signed_page(closing: str, ld_author: dict | None = None) -> dict:
    """extract_article's answer for an article whose last paragraph is `closing`."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Sharara resumes"}
    if ld_author:
        ld["author"] = ld_author
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        f'<html><head><link rel="canonical" href="{HOST}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>Sharara resumes</h1>{paragraphs}{closing}</article></body></html>"
    )
    return extract_article(html, HOST)


def test_a_name_signed_in_bold_or_right_aligned_after_the_text_is_the_author():
    for closing in (
        "<p><strong>Salma Idris</strong></p>",
        '<p style="text-align: right;">Salma Idris</p>',
        "<p><em>Salma Idris and Omar Fathi</em></p>",
    ):
        article = signed_page(closing)
        assert article["author_source"] == "signoff", closing
        assert article["authors"][0] == "Salma Idris", closing
        # The credit is moved to the authors: the text ends with the article.
        assert article["text"].endswith("state of the region's hospitals."), closing


def test_a_sign_off_outranks_the_outlet_as_author_but_not_a_named_person():
    outlet = {"@type": "Organization", "name": "Libya Herald"}
    assert signed_page("<p><b>Salma Idris</b></p>", outlet)["authors"] == ["Salma Idris"]
    person = {"@type": "Person", "name": "Omar Fathi"}
    article = signed_page("<p><b>Salma Idris</b></p>", person)
    assert article["authors"] == ["Omar Fathi"]
    assert article["author_source"] == "jsonld"


def test_a_desk_signing_alone_is_a_credit_but_a_lone_word_is_not_a_person():
    assert signed_page("<p><em>Herald-Redaktion</em></p>")["authors"] == ["Herald-Redaktion"]
    assert signed_page("<p><em>Sources</em></p>")["authors"] == []


def test_closing_lines_that_are_not_set_apart_or_not_names_are_text():
    for closing in (
        "<p>Salma Idris</p>",  # a plain paragraph: perhaps the last line of a list
        "<p><strong>Talks resume on Monday.</strong></p>",  # a sentence
        "<p><strong>Update 2</strong></p>",  # digits
        "<p><strong>Salma Idris</strong> reported from Sabha</p>",  # emphasis on part only
        "<p><strong>in Sabha, with Omar</strong></p>",  # lower case and a comma
    ):
        article = signed_page(closing)
        assert article["author_source"] != "signoff", closing
        assert not article["text"].endswith("hospitals."), closing


# --- pages of sites never seen before: whole pages through extract_article -------------------

NEW_SITE = "https://www.libyaobserver.ly/news/talks-resume"
LEAD = (
    "The National Oil Corporation said on Monday that output at the Sharara field had resumed "
    "after a shutdown of nearly two weeks caused by a protest at the pumping station."
)


def new_site_page(
    *, head: str = "", body: str = "", ld_author=None, site: str | None = "Libya Observer"
) -> tuple[list[str], str]:
    """(authors, author_source) that extract_article gives for a small page of a new site."""
    script = ""
    if ld_author is not None:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "author": ld_author}
        script = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    site_meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    html = (
        f'<html><head><link rel="canonical" href="{NEW_SITE}">{site_meta}{head}{script}</head>'
        f"<body><article><h1>Talks resume in Geneva</h1>{body}"
        f"<p>{LEAD}</p><p>{LEAD}</p></article></body></html>"
    )
    article = extract_article(html, NEW_SITE)
    return article["authors"], article["author_source"]


def byline(text: str) -> list[str]:
    """The authors of a new site's page whose byline markup holds `text`."""
    return new_site_page(body=f'<p class="byline">{text}</p>')[0]


def test_last_first_in_scholarly_meta_is_one_person_written_first_last():
    assert new_site_page(head='<meta name="citation_author" content="Smith, Jane">') == (
        ["Jane Smith"],
        "meta",
    )
    assert new_site_page(head='<meta name="author" content="Haddad, Omar">')[0] == ["Omar Haddad"]
    # A surname with particles, initials after the given name, several people in one value.
    assert new_site_page(head='<meta name="dc.creator" content="Ben Ali, Laila A.">')[0] == [
        "Laila A. Ben Ali"
    ]
    head = '<meta name="citation_authors" content="Smith, Jane; van der Berg, Anna">'
    assert new_site_page(head=head)[0] == ["Jane Smith", "Anna van der Berg"]
    repeated = (
        '<meta name="citation_author" content="Smith, Jane">'
        '<meta name="citation_author" content="Haddad, Omar">'
    )
    assert new_site_page(head=repeated)[0] == ["Jane Smith", "Omar Haddad"]
    person = {"@type": "Person", "name": "Haddad, Omar"}
    assert new_site_page(ld_author=person) == (["Omar Haddad"], "jsonld")


def test_two_full_names_with_a_comma_stay_two_people():
    head = '<meta name="author" content="Omar Haddad, Laila Ben Ali">'
    assert new_site_page(head=head)[0] == ["Omar Haddad", "Laila Ben Ali"]
    assert new_site_page(head='<meta name="author" content="Reuters, AFP">')[0] == [
        "Reuters",
        "AFP",
    ]
    assert new_site_page(head='<meta name="author" content="Jane Smith, Staff">')[0] == [
        "Jane Smith"
    ]


def test_last_first_is_read_in_metadata_only_not_in_a_visible_byline():
    # "Haddad, Tripoli" in a byline is a name and a dateline, not a surname and a given name.
    assert "Tripoli Haddad" not in byline("Omar Haddad, Tripoli")


def test_byline_lead_ins_are_not_part_of_the_name_in_each_language():
    for text, name in (
        ("By Jane Smith", "Jane Smith"),
        ("Written by Jane Smith", "Jane Smith"),
        ("Reported by Jane Smith", "Jane Smith"),
        ("Reporting by Jane Smith", "Jane Smith"),
        ("Text: Jane Smith", "Jane Smith"),
        ("Von Anna Schmidt", "Anna Schmidt"),
        ("Kommentar von Anna Schmidt", "Anna Schmidt"),
        ("Ein Kommentar von Anna Schmidt", "Anna Schmidt"),
        ("Par Marie Dupont", "Marie Dupont"),
        ("Di Marco Rossi", "Marco Rossi"),
        ("A cura di Marco Rossi", "Marco Rossi"),
        ("Yazan: Ahmet Yılmaz", "Ahmet Yılmaz"),
        ("Haber: Ahmet Yılmaz", "Ahmet Yılmaz"),
        ("بقلم: سالم الفيتوري", "سالم الفيتوري"),
        ("كتب سالم الفيتوري", "سالم الفيتوري"),
        ("تقرير: سالم الفيتوري", "سالم الفيتوري"),
    ):
        assert byline(text) == [name], text


def test_surnames_that_begin_like_a_lead_in_survive():
    # Italian "Di", German "Von", Portuguese "Da" begin surnames too: a label only when a
    # full name follows ("Di Luigi Di Maio" is "by Luigi Di Maio").
    assert byline("Di Luigi Di Maio") == ["Luigi Di Maio"]
    assert byline("Luigi Di Maio") == ["Luigi Di Maio"]
    assert byline("By Di Maio") == ["Di Maio"]
    assert byline("Von Trier") == ["Von Trier"]
    assert byline("Da Silva") == ["Da Silva"]
    assert byline("von Ursula von der Leyen") == ["Ursula von der Leyen"]
    assert byline("Haber Merkezi") == ["Haber Merkezi"]  # a Turkish desk, not "Haber:"


def test_a_label_word_standing_alone_is_not_a_person():
    for text in ("Article", "Nachrichten", "Haber", "Admin", "Editor", "مقال"):
        assert byline(text) == [], text
    # A desk stays a house credit, as when the page names nobody else.
    assert byline("Staff") == ["Staff"]
    assert byline("Redazione") == ["Redazione"]
    assert byline("Redazione, Marco Rossi") == ["Marco Rossi"]


def test_bracketed_initials_handles_and_agencies_leave_the_person_whole():
    assert byline("Jane Smith (JS)") == ["Jane Smith"]
    assert byline("Omar Haddad (@ohaddad)") == ["Omar Haddad"]
    assert byline("Ali Salem (AFP)") == ["Ali Salem"]
    assert byline("Ali Salem (AFP), Omar Haddad [OH]") == ["Ali Salem", "Omar Haddad"]
    assert new_site_page(head='<meta name="author" content="Jane Smith (JS)">')[0] == ["Jane Smith"]
    # A credit that is all in brackets is still the credit.
    assert byline("(AFP)") == ["AFP"]


def test_a_website_beside_a_person_is_not_an_author():
    assert byline("Jane Smith, libyaherald.com") == ["Jane Smith"]
    assert byline("Libyaherald.com / Jane Smith") == ["Jane Smith"]
    assert byline("سالم الفيتوري - alwasat.ly") == ["سالم الفيتوري"]
    # An initial and a surname joined by a dot stay a person.
    assert byline("J.Smith") == ["J.Smith"]


def test_the_brand_as_author_yields_to_the_person_in_the_byline():
    org = {"@type": "Organization", "name": "Sada Magazine"}
    body = '<p class="byline">By Jane Smith</p>'
    assert new_site_page(ld_author=org, body=body) == (["Jane Smith"], "byline")
    # The brand named as a Person, matched by the page's publisher rather than its site name.
    brand = {"@type": "Person", "name": "Sada Magazine"}
    head = '<meta name="publisher" content="Sada Magazine (www.sada.test)">'
    assert new_site_page(ld_author=brand, head=head, body=body) == (["Jane Smith"], "byline")
    head = '<meta name="author" content="Libya Observer">'
    assert new_site_page(head=head, body=body) == (["Jane Smith"], "byline")


def test_the_brand_is_kept_when_the_page_names_nobody_else():
    head = '<meta name="publisher" content="Sada Magazine">'
    brand = {"@type": "Person", "name": "Sada Magazine"}
    assert new_site_page(ld_author=brand, head=head) == (["Sada Magazine"], "jsonld")


def test_a_labelled_author_without_byline_markup_outranks_the_brand_in_meta():
    head = '<meta name="author" content="Libya Observer">'
    for facts in (
        "<ul><li><strong>Autorin/Autor</strong> Anna Schmidt</li></ul>",
        "<dl><dt>Author</dt><dd>Jane Smith</dd></dl>",
        "<p><b>Yazar:</b> <a href='/yazar/ahmet'>Ahmet Yılmaz</a></p>",
        "<p><strong>الكاتب:</strong> سالم الفيتوري</p>",
    ):
        authors_found, source = new_site_page(head=head, body=facts)
        assert source == "byline" and len(authors_found) == 1, facts
        assert authors_found[0] in ("Anna Schmidt", "Jane Smith", "Ahmet Yılmaz", "سالم الفيتوري")


def test_a_comment_form_label_is_not_an_author():
    body = "<footer><p><strong>Author</strong> Guest123</p></footer>"
    assert new_site_page(body=body) == ([], "none")


def test_a_name_in_bold_above_the_text_outranks_a_cms_default_account():
    ld = {
        "@type": "Person",
        "name": "Observer D",
        "url": "https://www.libyaobserver.ly/author/admin/",
    }
    body = (
        '<p class="meta">by <span class="author"><a rel="author" '
        'href="https://www.libyaobserver.ly/author/admin/">Observer D</a></span></p>'
        "<p><strong>SALMA IDRIS</strong></p>"
    )
    assert new_site_page(ld_author=ld, body=body) == (["SALMA IDRIS"], "byline")


def test_a_bold_line_not_followed_by_the_text_is_not_a_name():
    body = "<p><strong>Donate Today</strong></p><p>Account 0061947069</p>"
    assert new_site_page(body=body) == ([], "none")
