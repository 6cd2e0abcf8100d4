"""Crisis lines by country: what "Need help now?", the safety flow and the safety plan show.

Each person picks a country (`User.country`, from `accounts.countries`; suggested from their
time zone or their browser, changeable in Settings and on the help page itself). Someone who
has not picked one, or is signed out, sees the deployment's own lines (CRISIS_REGION /
CRISIS_LINES, `journal.crisis`), unless they choose a country on the help page.

Every line below is a service's own published number, with the page it is published on in a
comment. They were written from those organisations' published numbers without network access
(December 2026): re-check each against its page before a release. Numbers change rarely, but
they do change, and a wrong crisis number is the worst bug this app can have. `how` is plain
words with the numbers in them; `journal.help_links` makes each number tappable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from accounts.countries import ELSEWHERE, NAMES, country_for_time_zone

from .crisis import crisis_lines


@dataclass(frozen=True)
class Line:
    name: str
    how: str  # "Call or text 988": each number becomes a tel: or sms: link
    note: str = ""
    # A web chat or a directory: shown as a link.
    link: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class Region:
    code: str  # an accounts.countries code; "" for the deployment's own lines
    name: str
    lines: tuple[Line, ...]


REGIONS = {
    "US": Region(
        "US",
        NAMES["US"],
        (
            # https://988lifeline.org/ (and /chat/): call or text 988, chat online, 24/7.
            Line(
                "988 Suicide & Crisis Lifeline",
                "Call or text 988",
                "Free, confidential, 24/7",
                link="https://988lifeline.org/chat/",
                link_text="Chat with 988 online",
            ),
            # https://www.crisistextline.org/: text HOME to 741741.
            Line("Crisis Text Line", "Text HOME to 741741", "Free, 24/7"),
            # https://www.911.gov/
            Line("Emergency services", "Call 911", "If you are in immediate danger"),
        ),
    ),
    "CA": Region(
        "CA",
        NAMES["CA"],
        (
            # https://988.ca/: 9-8-8 Suicide Crisis Helpline, call or text 988, since 2023.
            Line(
                "9-8-8 Suicide Crisis Helpline",
                "Call or text 988",
                "Free, 24/7, in English and French",
            ),
            # https://kidshelpphone.ca/: call 1-800-668-6868, text CONNECT to 686868.
            Line(
                "Kids Help Phone",
                "Call 1-800-668-6868 or text CONNECT to 686868",
                "For young people, 24/7",
            ),
            # Canada's emergency number, 9-1-1 (CRTC: https://crtc.gc.ca/eng/phone/911/).
            Line("Emergency services", "Call 911", "If you are in immediate danger"),
        ),
    ),
    "GB": Region(
        "GB",
        NAMES["GB"],
        (
            # https://www.samaritans.org/how-we-can-help/contact-samaritan/: 116 123, free.
            Line("Samaritans", "Call 116 123", "Free, 24/7, from any phone"),
            # https://giveusashout.org/get-help/: text SHOUT to 85258.
            Line("Shout", "Text SHOUT to 85258", "Free, 24/7"),
            # https://www.nhs.uk/nhs-services/mental-health-services/where-to-get-urgent-help-for-mental-health/
            Line(
                "NHS 111",
                "Call 111",
                "Urgent help that isn't an emergency; choose the mental health option",
            ),
            # https://www.gov.uk/guidance/999-and-112-the-uks-national-emergency-numbers
            Line("Emergency services", "Call 999", "If you are in immediate danger"),
        ),
    ),
    "IE": Region(
        "IE",
        NAMES["IE"],
        (
            # https://www.samaritans.org/ireland/how-we-can-help/contact-samaritan/: 116 123.
            Line("Samaritans", "Call 116 123", "Free, 24/7"),
            # https://www.pieta.ie/: call 1800 247 247, or text HELP to 51444.
            Line(
                "Pieta",
                "Call 1800 247 247 or text HELP to 51444",
                "Suicide and self-harm, free, 24/7",
            ),
            # https://text50808.ie/: text HELLO to 50808.
            Line("Text About It", "Text HELLO to 50808", "Free, 24/7"),
            # Ireland answers both 112 (the EU's number,
            # https://digital-strategy.ec.europa.eu/en/policies/112) and 999.
            Line("Emergency services", "Call 112 or 999", "If you are in immediate danger"),
        ),
    ),
    "AU": Region(
        "AU",
        NAMES["AU"],
        (
            # https://www.lifeline.org.au/: call 13 11 14, text 0477 13 11 14, chat online.
            Line(
                "Lifeline",
                "Call 13 11 14 or text 0477 13 11 14",
                "24/7",
                link="https://www.lifeline.org.au/crisis-chat/",
                link_text="Chat with Lifeline online",
            ),
            # https://www.suicidecallbackservice.org.au/: 1300 659 467.
            Line("Suicide Call Back Service", "Call 1300 659 467", "24/7"),
            # https://www.triplezero.gov.au/
            Line("Emergency services", "Call 000", "If you are in immediate danger"),
        ),
    ),
    "NZ": Region(
        "NZ",
        NAMES["NZ"],
        (
            # https://1737.org.nz/: call or text 1737 to talk with a trained counsellor.
            Line("Need to talk? 1737", "Call or text 1737", "Free, 24/7"),
            # https://www.lifeline.org.nz/: 0800 543 354, or free text HELP to 4357.
            Line("Lifeline Aotearoa", "Call 0800 543 354 or text HELP to 4357", "Free, 24/7"),
            # https://www.lifeline.org.nz/services/suicide-crisis-helpline: 0508 828 865
            # (0508 TAUTOKO).
            Line("Suicide Crisis Helpline", "Call 0508 828 865", "Free, 24/7"),
            # https://www.police.govt.nz/contact-us/emergency-111
            Line("Emergency services", "Call 111", "If you are in immediate danger"),
        ),
    ),
    ELSEWHERE: Region(
        ELSEWHERE,
        NAMES[ELSEWHERE],
        (
            # https://findahelpline.com/: Find A Helpline (ThroughLine), free, confidential
            # lines checked by country; also https://www.iasp.info/crisis-centres-helplines/.
            Line(
                "Find A Helpline",
                "Free, confidential lines in your country, by phone, text or chat",
                link="https://findahelpline.com/",
                link_text="Find a line where you are",
            ),
            # 112 is the emergency number across the European Union
            # (https://digital-strategy.ec.europa.eu/en/policies/112).
            Line(
                "Emergency services",
                "Call your local emergency number; across Europe, call 112",
                "If you are in immediate danger",
            ),
        ),
    ),
}


def deployment_region() -> Region:
    """The deployment's own lines (CRISIS_REGION / CRISIS_LINES): the default."""
    return Region(
        "",
        settings.CRISIS_REGION,
        tuple(Line(line.name, line.how, line.note) for line in crisis_lines()),
    )


def region_for(*, user=None, chosen: str = "") -> Region:
    """The lines to show: `chosen` on the help page, else the person's country, else the
    deployment's own."""
    code = chosen or (getattr(user, "country", "") if user is not None else "")
    return REGIONS.get(code) or deployment_region()


def suggested_country(user) -> str:
    """The country a person's saved time zone suggests, if they have not chosen one."""
    if user is None or not user.is_authenticated or user.country:
        return ""
    return country_for_time_zone(user.time_zone)


def choices() -> list[tuple[str, str]]:
    return [(region.code, region.name) for region in REGIONS.values()]
