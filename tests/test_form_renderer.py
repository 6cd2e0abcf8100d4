"""The remembering form renderer gives the same markup as Django's, faster, and remembers no
free text."""

import re

import pytest
from django.forms.renderers import get_default_renderer
from django.urls import reverse

from config.form_renderer import RememberingRenderer
from journal.services import CheckInData, checkin_save
from tests.factories import builtin_activities

MARKER = "MARKER-8c2e-a hard evening"
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def page(client, settings, renderer: str) -> bytes:
    settings.FORM_RENDERER = renderer
    response = client.get(reverse("checkin"))
    assert response.status_code == 200
    return CSRF.sub(b"", response.content)


@pytest.mark.django_db
def test_the_check_in_form_is_the_same_markup_and_no_note_is_remembered(
    client, settings, patient, other_patient
):
    tags = builtin_activities()[:3]
    checkin_save(
        patient=patient,
        day=patient.today(),
        data=CheckInData(mood=7, energy=4, sleep_hours=6.5, note=MARKER, activities=tags),
    )
    for person in (patient, other_patient):  # one with a saved day, one with a blank form
        client.force_login(person)
        django_html = page(client, settings, "django.forms.renderers.DjangoTemplates")
        first = page(client, settings, "config.form_renderer.RememberingRenderer")
        renderer = get_default_renderer()
        assert isinstance(renderer, RememberingRenderer)
        remembered = len(renderer._html)
        again = page(client, settings, "config.form_renderer.RememberingRenderer")

        assert first == django_html
        assert again == django_html
        assert remembered > 20  # the mood buttons, scales, skip boxes and tags
        if person is patient:
            assert MARKER.encode() in django_html  # the note is on the page, not in memory
    assert not any(MARKER in html for html in get_default_renderer()._html.values())


def test_equal_python_values_that_render_differently_are_kept_apart():
    renderer = RememberingRenderer()
    template = "django/forms/widgets/checkbox.html"

    def render(checked):
        return renderer.render(
            template,
            {
                "widget": {
                    "type": "checkbox",
                    "name": "x",
                    "value": None,
                    "attrs": {"checked": checked},
                    "template_name": template,
                }
            },
        )

    assert render(True) != render(1)
    assert render(True).count("checked") == 1 and 'checked="1"' in render(1)
