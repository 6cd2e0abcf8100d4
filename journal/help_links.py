"""Tappable help: phone numbers, text lines and web links in plain text, as links a phone acts on.

Crisis lines, a care team's note and a patient's safety plan are plain text that people type
("Call or text 988", "Text SHOUT to 85258", "Jo: 07700 900123"). In a crisis nobody should have
to copy a number by hand, so each number becomes a `tel:` link, a text line an `sms:` link with
its keyword in the message body, and a web address a link. Pure: text in, escaped HTML out.

What counts as a number, in words people type:
- 6 to 15 digits, with spaces, dashes, dots or brackets between them and an optional leading
  + (a phone number anywhere in the text); not a date such as 2026-05-04 or 04.05.2026;
- a short number of 3 to 5 digits (988, 999, 000, 1737, 85258) only after "call", "phone",
  "ring", "dial" or "text", so "3 times a day" or "since 2019" stay plain text;
- "text WORD to NUMBER": an `sms:` link that opens the message with WORD already typed;
- "call or text NUMBER": a call link, and a text link beside it.
"""

from __future__ import annotations

import re

from django.utils.html import escape

_CALL = r"(?:call|phone|ring|dial)"
_LONG = r"\+?\d(?:[\s().\-]{0,2}\d){5,14}"  # 6 to 15 digits
_SHORT = r"\d{3,5}"
_NUMBER = rf"(?:{_LONG}|{_SHORT})"

PATTERN = re.compile(
    rf"""
    (?P<url>\bhttps?://[^\s<>"']+|\bwww\.[^\s<>"']+)
    | (?P<keyword_text>\btext\s+(?P<keyword>[A-Za-z]{{2,20}})\s+to\s+(?P<keyword_number>{_NUMBER}))
    | (?P<call_or_text>\b{_CALL}\s+or\s+text\s+(?P<both_number>{_NUMBER}))
    | (?P<text_only>\btext\s+(?P<text_number>{_NUMBER}))
    | (?P<call>\b{_CALL}\s+(?P<call_number>{_NUMBER})(?:\s+or\s+(?P<call_number2>{_NUMBER}))?)
    | (?P<number>(?<![\w+]){_LONG})
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_TRAILING = ".,;:!?)]"


def dial(number: str) -> str:
    """The digits a phone dials for `number` as written ("+44 (0)7700-900 123" keeps its +)."""
    international = number.strip().startswith("+")
    if international:  # "+44 (0)7700 ...": the (0) is dialled only from inside the country
        number = number.replace("(0)", "")
    return ("+" if international else "") + re.sub(r"\D", "", number)


def tel_href(number: str) -> str:
    return f"tel:{dial(number)}"


def sms_href(number: str, keyword: str = "") -> str:
    # "?&body=" works on both Android ("?body=") and iOS ("&body="): each ignores the other.
    return f"sms:{dial(number)}" + (f"?&body={keyword.upper()}" if keyword else "")


def _a(href: str, text: str, label: str = "") -> str:
    aria = f' aria-label="{escape(label)}"' if label else ""
    return f'<a class="tappable" href="{escape(href)}"{aria}>{escape(text)}</a>'


def _number_words(match: re.Match, group: str) -> tuple[str, str]:
    """The text before the number in a match, and the number (with any trailing full stop
    left out of the link)."""
    start, end = match.span(group)
    whole_start = match.start()
    return match.string[whole_start:start], match.string[start:end]


def _link(match: re.Match) -> tuple[str, str]:
    """(the HTML for the match, text to put back after it), or ("", "") to leave it plain."""
    kind = match.lastgroup
    whole = match.group(0)
    if match.group("url"):
        url = whole.rstrip(_TRAILING)
        rest = whole[len(url) :]
        href = url if url.lower().startswith("http") else f"https://{url}"
        return _a(href, url), rest
    if match.group("keyword_text"):
        number, keyword = match.group("keyword_number"), match.group("keyword")
        return _a(sms_href(number, keyword), whole, f"Text {keyword} to {number}"), ""
    if match.group("call_or_text"):
        before, number = _number_words(match, "both_number")
        return (
            escape(before)
            + _a(tel_href(number), number, f"Call {number}")
            + " ("
            + _a(sms_href(number), f"text {number}", f"Text {number}")
            + ")"
        ), ""
    if match.group("text_only"):
        before, number = _number_words(match, "text_number")
        return escape(before) + _a(sms_href(number), number, f"Text {number}"), ""
    if match.group("call"):
        before, number = _number_words(match, "call_number")
        html = escape(before) + _a(tel_href(number), number, f"Call {number}")
        if match.group("call_number2"):
            second = match.group("call_number2")
            html += " or " + _a(tel_href(second), second, f"Call {second}")
        return html, ""
    if kind == "number" and not _DATE.match(whole):
        return _a(tel_href(whole), whole, f"Call {whole}"), ""
    return "", ""


def tappable_html(text: str) -> str:
    """`text`, HTML-escaped, with its phone numbers, text lines and web addresses as links."""
    out: list[str] = []
    position = 0
    for match in PATTERN.finditer(text or ""):
        html, rest = _link(match)
        if not html:
            continue
        out.append(escape(text[position : match.start()]))
        out.append(html + escape(rest))
        position = match.end()
    out.append(escape((text or "")[position:]))
    return "".join(out)


def numbers_in(text: str) -> list[str]:
    """Every number `tappable_html` would link in `text` (for tests and checks)."""
    found = []
    for match in PATTERN.finditer(text or ""):
        if match.group("number"):
            if not _DATE.match(match.group("number")):
                found.append(match.group("number"))
            continue
        groups = ("keyword_number", "both_number", "text_number", "call_number", "call_number2")
        found.extend(match.group(group) for group in groups if match.group(group))
    return found
