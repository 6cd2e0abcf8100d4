"""`{{ text|tappable }}`: plain text, escaped, with phone numbers, text lines and web addresses
as links (journal/help_links.py). `{{ number|tel_href }}`: the `tel:` address of one number."""

from django import template
from django.utils.safestring import mark_safe

from journal import help_links

register = template.Library()


@register.filter
def tappable(text) -> str:
    # help_links escapes every character of `text` it does not turn into a link, and the links
    # it makes carry escaped text only: the result is safe to insert.
    return mark_safe(help_links.tappable_html(str(text or "")))


@register.filter
def tel_href(number) -> str:
    return help_links.tel_href(str(number or ""))
