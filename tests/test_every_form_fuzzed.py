"""Generated values posted to every page that could take a form, as a patient, a clinician and
someone signed out: never a 500, and a refused post saves nothing at all.

The pages come from the URLconf (tests/urlwalk.py), so a page added later is covered without
anyone listing it. The fields come from the page itself: each is fetched first as the same
person, and its forms' field names and choices are what Hypothesis fills in (with valid choices,
near misses, huge, empty, odd and hostile values), plus fields nobody asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careteam.models import Membership
from journal.access import Scope
from tests.factories import (
    CareUserFactory,
    CheckInFactory,
    MembershipFactory,
    ShareFactory,
    SignalFactory,
    TreatmentSessionFactory,
    UserFactory,
)
from tests.urlwalk import Route, our_routes

pytestmark = pytest.mark.django_db(transaction=False)

APPS = {"journal", "careteam", "accounts", "allauth"}
# Posting these ends the persona's own session or account, which the next example needs:
# each has its own tests (signing out; deletion, behind a fresh password).
SKIP = {"account_logout", "account_delete"}
# Rows that may change on a refused post, and why: every look by someone else is logged
# (refusals too); sessions and sign-in bookkeeping are not the person's data.
MAY_CHANGE = {"careteam.accessevent", "sessions.session", "accounts.emaildelivery"}
VOLATILE_FIELDS = {"last_login", "updated_at"}
EXAMPLES = 25  # per form and persona; a page without a form gets 3 posts


@dataclass
class Field:
    kind: str  # the input's type ("text", "email", "date", "hidden", ...), or the tag's name
    choices: set[str] = dataclass_field(default_factory=set)  # values offered or prefilled


class PageForms(HTMLParser):
    """A page's POST forms: per form, its fields by name."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, Field]] = []
        self._form: dict[str, Field] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {} if a.get("method", "").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag in {"input", "textarea", "select"} and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text").lower() if tag == "input" else tag
            found = self._form.setdefault(name, Field(kind))
            if a.get("value"):
                found.choices.add(a["value"])
            if tag == "select":
                self._select = name
        if tag == "option" and self._select:
            self._form[self._select].choices.add(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def long_address(length: int) -> str:
    domain = ".".join(["d" * 60] * 4) + ".test"
    return "a" * (length - len(domain) - 1) + "@" + domain


TODAY = dt.date.today()
ODD = [
    "",
    " ",
    "0",
    "-1",
    "11",
    "99999999999999999999",
    "1e308",
    "NaN",
    "on",
    "\x00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "../../etc/passwd",
    "00000000-0000-0000-0000-000000000000",
]
BY_KIND = {
    "email": [
        long_address(255),
        long_address(320),
        "no-at-sign",
        "UPPER.case@Example.TEST",
        "a@b",
        "x@" + "y" * 250 + ".test",
    ],
    "date": [
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "31/12/2026",
        (TODAY + dt.timedelta(days=1)).isoformat(),
        (TODAY - dt.timedelta(days=40 * 365)).isoformat(),
        TODAY.isoformat(),
    ],
    "time": ["25:61", "23:59", "00:00", "12:30:99", "noon"],
    "number": ["-5", "0", "10", "10.5", "1e3", "99999999999"],
    "range": ["-1", "0", "5", "10", "11", "5.5"],
    "tel": ["+44 7700 900123", "1" * 40, "+", "☎"],
}


MISSING = object()  # the field left out of the post altogether


def values_for(field: Field) -> st.SearchStrategy[Any]:
    """What the page offers (so a post gets past the first check to the next), near misses
    for the input's kind, odd values, text of any size, or the field left out."""
    offered = sorted(field.choices)
    options: list[st.SearchStrategy[Any]] = []
    if offered:
        options.append(st.sampled_from(offered))
    if field.kind in BY_KIND:
        options.append(st.sampled_from(BY_KIND[field.kind]))
    if field.kind == "date":
        options.append(st.dates().map(dt.date.isoformat))
    options += [
        st.sampled_from(ODD),
        st.text(max_size=40),
        # Long text, cheap to draw: past every max_length, from just over to far over.
        st.integers(min_value=41, max_value=6000).map(lambda n: ("word " * n)[:n]),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.just(MISSING),
    ]
    if offered and field.kind in {"hidden", "radio", "checkbox", "select", "submit"}:
        # Keep the form's own hidden values and choices in most posts: an "action" or a
        # submission key that is always wrong would hide every check behind it.
        return st.one_of(st.sampled_from(offered), st.one_of(options))
    return st.one_of(options)


def strip_nul(value: str) -> str:
    # The test client cannot send a NUL in a multipart field name; values may hold anything.
    return value.replace("\x00", "")


def posts(form: dict[str, Field]) -> st.SearchStrategy[dict]:
    known = st.fixed_dictionaries({name: values_for(f) for name, f in form.items()})
    extra = st.dictionaries(
        st.text(min_size=1, max_size=12).map(strip_nul).filter(bool),
        st.text(max_size=20),
        max_size=3,
    )
    return st.tuples(known, extra).map(
        lambda pair: {**pair[1], **{k: v for k, v in pair[0].items() if v is not MISSING}}
    )


def snapshot() -> str:
    """A fingerprint of every row of our apps (and allauth's) but the ones in MAY_CHANGE."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in {"journal", "careteam", "accounts", "account", "mfa"}:
            continue
        if label in MAY_CHANGE:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in VOLATILE_FIELDS]
        for row in model._default_manager.order_by("pk").values_list(*fields):
            digest.update(repr((label, row)).encode())
    return digest.hexdigest()


def refused(response) -> bool:
    """A post that did not go through: an error status, or the form back with its errors."""
    if response.status_code >= 400:
        return True
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return 'class="error' in body or "errorlist" in body


@pytest.fixture
def world(db):
    patient = UserFactory()
    other_patient = UserFactory()
    clinician = CareUserFactory()
    team = MembershipFactory(user=clinician, role=Membership.Role.TEAM_ADMIN).team
    share = ShareFactory(patient=patient, team=team, scope=Scope.TRENDS | Scope.NOTES)
    ShareFactory(patient=other_patient)
    session = TreatmentSessionFactory(patient=patient)
    CheckInFactory(patient=patient, day=patient.today() - dt.timedelta(days=1))
    signal = SignalFactory(patient=patient)
    return {
        "patient": patient,
        "clinician": clinician,
        "args": {
            "public_id": str(patient.public_id),
            "team_id": str(team.pk),
            "share_id": str(share.pk),
            "signal_id": str(signal.pk),
            "pk": str(session.pk),
            "instrument": "phq9",
            "kind": "weekly_summary",
        },
    }


def route_url(route: Route, args: dict[str, str]) -> str:
    url = route.url()

    # Real ids where the persona has them, so the form behind the door is reached too.
    def value(match):
        return args.get(match.group(1), "no-such-token")

    path = route.pattern.lstrip("^").replace("\\Z", "").rstrip("$")
    if "(?P<" not in path:
        return url
    filled = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, path).replace("\\", "")
    return "/" + filled


def fuzz(client, user, name: str, url: str, form: dict[str, Field], failures: list) -> None:
    """Post generated values for `form` to `url`; note a 500, or a refusal that saved."""

    @settings(
        max_examples=EXAMPLES if form else 3,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,  # the check-in form has some forty fields
        ],
    )
    @given(data=posts(form))
    def post_one(data):
        if user is not None:
            client.force_login(user)  # a post may have signed the persona out
        before = snapshot()
        response = client.post(url, data)
        if response.status_code >= 500:
            failures.append((name, "500", data))
        elif refused(response) and snapshot() != before:
            failures.append((name, "saved part of a refused post", data))

    post_one()


ROUTES = [r for r in our_routes(APPS) if r.name not in SKIP]


@pytest.mark.parametrize("persona", ["patient", "clinician", "anonymous"])
def test_generated_posts_to_every_form_never_fail_and_never_half_save(world, persona):
    # A 500 comes back as a response (and is logged), so every example is tried.
    client = Client(raise_request_exception=False)
    user = world.get(persona)
    if user is not None:
        client.force_login(user)
    failures: list[tuple] = []
    forms_seen = 0

    for route in ROUTES:
        url = route_url(route, world["args"])
        page = client.get(url)
        parser = PageForms()
        if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
            parser.feed(page.content.decode(errors="replace"))
        forms_seen += len(parser.forms)
        for form in parser.forms or [{}]:
            fuzz(client, user, route.name, url, form, failures)

    assert failures == []
    assert forms_seen >= {"patient": 15, "clinician": 6, "anonymous": 3}[persona]
