"""Django's form renderer, remembering the HTML of the small choice and number widgets.

The check-in form renders about fifty widgets a request (eleven mood buttons, every 0-10 scale,
the tags, the skip boxes), each through three nested templates; that was over half of the
page's time (bench/pages.py --profile). A widget's HTML is a pure function of its template and
its context (name, value, attributes, label, the option's choice), so the first render of a
given context goes through the template as before and later ones reuse the result: the same
markup, template overrides included.

Only templates whose values are choices or numbers are remembered, never a text box, a text
area or a hidden field (free text, one-off tokens), and only contexts made of plain values.
The memory is this process's own (never a shared cache), bounded, least recently used first
out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise

REMEMBERED_TEMPLATES = frozenset(
    {
        "django/forms/widgets/radio.html",
        "django/forms/widgets/radio_option.html",
        "django/forms/widgets/checkbox_select.html",
        "django/forms/widgets/checkbox_option.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/number.html",
        "django/forms/widgets/select.html",
        "django/forms/widgets/select_option.html",
        "django/forms/widgets/input_option.html",
    }
)
MAX_ENTRIES = 4096


class _Unfrozen(Exception):
    pass


def _freeze(value: Any) -> Any:
    # Typed, so True and 1, or 1 and 1.0 (equal in Python, rendered differently), never meet.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return (type(value).__name__, repr(value))
    if isinstance(value, Promise):
        return ("lazy", str(value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_freeze(v) for v in value))
    # ModelChoiceIteratorValue and the like: a choice value that renders as its string.
    if type(value).__name__ == "ModelChoiceIteratorValue":
        return ("choice", str(value))
    raise _Unfrozen


class RememberingRenderer(DjangoTemplates):
    def __init__(self) -> None:
        super().__init__()
        self._html: OrderedDict[Any, str] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, template_name, context, request=None):
        if request is not None or template_name not in REMEMBERED_TEMPLATES:
            return super().render(template_name, context, request=request)
        try:
            key = (template_name, _freeze(context))
        except _Unfrozen:
            return super().render(template_name, context, request=request)
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
                return html
        html = super().render(template_name, context, request=request)
        with self._lock:
            self._html[key] = html
            if len(self._html) > MAX_ENTRIES:
                self._html.popitem(last=False)
        return html
