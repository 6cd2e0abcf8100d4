"""The countries a person can pick for their crisis lines, and the one their time zone suggests.

The bottom layer keeps only the names: which lines each country has is the journal's
(`journal/regions.py`, keyed by these codes). A country we hold no lines for is "another
country", and gets the international directory.
"""

from __future__ import annotations

# ISO 3166-1 alpha-2 codes; ZZ ("unknown or unspecified") stands for every other country.
ELSEWHERE = "ZZ"
COUNTRIES = (
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
    (ELSEWHERE, "Another country"),
)
NAMES = dict(COUNTRIES)

# IANA time zones (tzdata's zone.tab, and the old link names people's systems still report),
# by country: a zone names a place, so it is the better guess. An entry ending in "/" is a
# prefix.
TIME_ZONES = {
    "US": (
        "America/New_York", "America/Detroit", "America/Kentucky/", "America/Indiana/",
        "America/Chicago", "America/Menominee", "America/North_Dakota/", "America/Denver",
        "America/Boise", "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
        "America/Juneau", "America/Sitka", "America/Metlakatla", "America/Yakutat",
        "America/Nome", "America/Adak", "Pacific/Honolulu", "US/",
    ),
    "CA": (
        "America/St_Johns", "America/Halifax", "America/Glace_Bay", "America/Moncton",
        "America/Goose_Bay", "America/Toronto", "America/Montreal", "America/Nipigon",
        "America/Thunder_Bay", "America/Iqaluit", "America/Pangnirtung", "America/Winnipeg",
        "America/Rainy_River", "America/Resolute", "America/Rankin_Inlet", "America/Regina",
        "America/Swift_Current", "America/Edmonton", "America/Cambridge_Bay",
        "America/Yellowknife", "America/Inuvik", "America/Dawson_Creek", "America/Fort_Nelson",
        "America/Whitehorse", "America/Dawson", "America/Vancouver", "America/Atikokan",
        "America/Blanc-Sablon", "America/Creston", "Canada/",
    ),
    "GB": ("Europe/London", "Europe/Belfast", "GB", "GB-Eire"),
    "IE": ("Europe/Dublin", "Eire"),
    "AU": ("Australia/", "Antarctica/Macquarie"),
    "NZ": ("Pacific/Auckland", "Pacific/Chatham", "NZ", "NZ-CHAT"),
}  # fmt: skip


def country_for_time_zone(time_zone: str) -> str:
    """The country a time zone lies in, of those listed; "" when it is none of them (UTC, or a
    zone elsewhere: we cannot tell which country, so we do not guess)."""
    for code, zones in TIME_ZONES.items():
        for zone in zones:
            if time_zone == zone or (zone.endswith("/") and time_zone.startswith(zone)):
                return code
    return ""


def browser_hints() -> dict:
    """What static/js/app.js needs to suggest a country from the browser's time zone or
    language: the zones of each country, and the names."""
    return {"zones": TIME_ZONES, "names": NAMES}
