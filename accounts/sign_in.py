"""The sign-in page, fast for the visitor who has nothing yet.

allauth renders its sign-in page through a dozen nested element templates (~20 ms of a ~34 ms
request, bench/pages.py --profile), and that page is the same for every visitor who arrives
with no cookie and no query string: the evening reminder's link after the session ended, a new
phone, a load balancer's probe. For exactly those visits this process keeps the page it
rendered last and serves it again with fresh CSRF tokens (the only part that differs between
two such visits). Everything else goes to allauth as before: any POST, any cookie (a session,
messages such as "You have signed out", a language), any query string (`?next=`), anything but
200. The copy lives in this process's memory and holds nothing about anyone.
"""

from __future__ import annotations

import re
import threading

from allauth.account.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

_allauth_sign_in = LoginView.as_view()
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_PLACEHOLDER = "\x00csrf\x00"
# Headers the view itself set (middleware adds its own to every response either way).
_KEPT_HEADERS = ("Content-Type", "Cache-Control", "Expires", "Vary", "Content-Language")

_pages: dict[str, tuple[str, dict[str, str]]] = {}
_lock = threading.Lock()


def _cookieless_first_visit(request: HttpRequest) -> bool:
    only_csrf = set(request.COOKIES) <= {"csrftoken"}
    return request.method == "GET" and not request.GET and only_csrf


def sign_in(request: HttpRequest) -> HttpResponse:
    if not _cookieless_first_visit(request):
        return _allauth_sign_in(request)
    host = request.get_host()
    with _lock:
        kept = _pages.get(host)
    if kept is None:
        response = _allauth_sign_in(request)
        if hasattr(response, "render"):
            response.render()
        body = response.content.decode(response.charset or "utf-8")
        if response.status_code == 200 and _PLACEHOLDER not in body and _TOKEN.search(body):
            page = _TOKEN.sub(lambda m: m.group(1) + _PLACEHOLDER + m.group(2), body)
            headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
            with _lock:
                _pages[host] = (page, headers)
        return response
    page, headers = kept
    # Each form gets its own masked token of the visitor's secret, as {% csrf_token %} would.
    first, *rest = page.split(_PLACEHOLDER)
    body = first + "".join(get_token(request) + part for part in rest)
    response = HttpResponse(body)
    for name, value in headers.items():
        response[name] = value
    return response
