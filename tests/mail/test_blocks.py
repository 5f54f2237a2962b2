"""The content blocks (clientportal.mail.blocks): their plain-text form, and HTML that escapes
every text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from clientportal.mail.blocks import (
    Block,
    Button,
    Code,
    Heading,
    Note,
    Paragraph,
    Quote,
    Table,
    html_document,
    html_link,
    html_paragraphs,
    html_part,
    text_part,
    text_table,
)

HOURS = Table(
    columns=("Project", "Hours"),
    rows=(("Orion", "1 hour"), ("Zephyr Web", "9 hours")),
    total=("Total", "10 hours"),
    numeric=frozenset({1}),
)

LIBRARY_TAG = re.compile(
    r"</?(?:p|br|blockquote|a|table|thead|tbody|tfoot|tr|th|td)"
    r'(?: (?:style|href)="[^"<>]*")*>'
)


def test_a_text_table_aligns_numbers_right_and_rules_off_the_header_and_the_total() -> None:
    assert text_table(HOURS).split("\n") == [
        "Project        Hours",
        "----------  --------",
        "Orion         1 hour",
        "Zephyr Web   9 hours",
        "----------  --------",
        "Total       10 hours",
    ]


def test_the_text_part_separates_blocks_by_a_blank_line_and_quotes_line_by_line() -> None:
    blocks: list[Block] = [
        Paragraph("Dear Ruud,\nhello"),
        Quote("too many\n\nhours"),
        Code("482913"),
        Button("Review", "https://portal.example/p"),
        Note("sent automatically"),
    ]
    assert text_part(blocks) == (
        "Dear Ruud,\nhello\n\n"
        "> too many\n> \n> hours\n\n"
        "    482913\n\n"
        "Review\nhttps://portal.example/p\n\n"
        "sent automatically"
    )


def test_line_breaks_become_br_in_html() -> None:
    assert html_part([Paragraph("a\nb")]) == '<p style="margin:0 0 16px 0;">a<br>\nb</p>'
    assert "q1<br>\nq2</blockquote>" in html_part([Quote("q1\nq2")])


@given(text=st.text())
def test_every_text_of_every_block_is_escaped_in_html(text: str) -> None:
    blocks: list[Block] = [
        Paragraph(text),
        Heading(text),
        Note(text),
        Quote(text),
        Code(text),
        Button(text, text),
        Table(columns=(text,), rows=((text,),), total=(text,), numeric=frozenset()),
    ]
    # Without the library's own tags nothing is left that could open a tag or end an attribute.
    rest = LIBRARY_TAG.sub("", html_part(blocks))
    assert not set(rest) & set('<>"')


def test_a_button_and_a_link_escape_their_url() -> None:
    url = 'https://x.example/?a=1&b="2"'
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in html_part([Button("Go", url)])
    assert html_link("https://x.example/?a=1&b=2") == (
        '<a href="https://x.example/?a=1&amp;b=2">https://x.example/?a=1&amp;b=2</a>'
    )


def test_blank_lines_separate_a_custom_templates_paragraphs() -> None:
    assert html_paragraphs("\n\na\nb\n  \t\nc\n\n\n") == (
        '<div style="margin:0 0 16px 0;">a<br>\nb</div>\n<div style="margin:0 0 16px 0;">c</div>'
    )


def test_the_document_escapes_its_language_and_title() -> None:
    document = html_document('nl"', "<Uren>", "<p>body</p>")
    assert '<html lang="nl&quot;">' in document
    assert "<title>&lt;Uren&gt;</title>" in document
    assert '<div style="max-width:640px;">\n<p>body</p>\n</div>' in document
