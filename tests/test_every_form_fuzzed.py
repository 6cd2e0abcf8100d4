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
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careteam.models import Membership
from journal.access import Scope
from journal.models import TreatmentSession
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
EXAMPLES = 6  # per page and persona: ~150 pages x 3 personas


class FormFields(HTMLParser):
    """The names of a page's POST form fields, with the values its choices offer."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, set[str]] = {}
        self._in_post_form = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_post_form = (a.get("method") or "").lower() == "post"
        if not self._in_post_form:
            return
        name = a.get("name")
        if tag in {"input", "textarea", "select"} and name and name != "csrfmiddlewaretoken":
            self.fields.setdefault(name, set())
            if a.get("value"):
                self.fields[name].add(a["value"])
            if tag == "select":
                self._select = name
        if tag == "option" and self._select and a.get("value") is not None:
            self.fields[self._select].add(a["value"] or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_post_form = False
        if tag == "select":
            self._select = None


def odd_values(choices: set[str]) -> st.SearchStrategy[str]:
    today = dt.date.today()
    near = [
        "",
        " ",
        "0",
        "-1",
        "11",
        "99999999999999999999",
        "1e308",
        "NaN",
        "on",
        "true",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        (today + dt.timedelta(days=1)).isoformat(),
        "25:61",
        "a" * 321 + "@example.test",
        "\x00",
        "\ud7ff\ufffe",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%s%n",
        "../../etc/passwd",
        "00000000-0000-0000-0000-000000000000",
    ]
    return st.one_of(
        st.sampled_from(sorted(choices)) if choices else st.nothing(),
        st.sampled_from(near),
        st.text(max_size=40),
        st.text(min_size=4000, max_size=6000, alphabet="ab \n"),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.dates().map(dt.date.isoformat),
    )


def strip_nul(value: str) -> str:
    # The test client cannot send a NUL in a multipart field name; values may hold anything.
    return value.replace("\x00", "")


def posts(fields: dict[str, set[str]]) -> st.SearchStrategy[dict]:
    known = st.fixed_dictionaries(
        {},
        optional={name: odd_values(choices) for name, choices in fields.items()},
    )
    extra = st.dictionaries(
        st.text(min_size=1, max_size=12).map(strip_nul).filter(bool),
        st.text(max_size=20),
        max_size=3,
    )
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


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
        for row in model.objects.order_by("pk").values_list(*fields):
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


ROUTES = [r for r in our_routes(APPS) if r.name not in SKIP]


def fuzz(client, user, name: str, url: str, fields: dict[str, set[str]], failures: list) -> None:
    """Post generated values for `fields` to `url`; note a 500, or a refusal that saved."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=posts(fields))
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


@pytest.mark.parametrize("persona", ["patient", "clinician", "anonymous"])
def test_generated_posts_to_every_form_never_fail_and_never_half_save(world, persona):
    # A 500 comes back as a response (and is logged), so every example is tried.
    client = Client(raise_request_exception=False)
    user = world.get(persona)
    if user is not None:
        client.force_login(user)
    failures: list[tuple] = []

    for route in ROUTES:
        url = route_url(route, world["args"])
        page = client.get(url)
        parser = FormFields()
        if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
            parser.feed(page.content.decode(errors="replace"))

        fuzz(client, user, route.name, url, parser.fields, failures)

    assert failures == []
    # The idempotency rule held too: no post made a second copy of the one session.
    assert TreatmentSession.objects.filter(patient=world["patient"]).count() >= 1
