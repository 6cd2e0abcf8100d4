"""The installable app's shell: the web app manifest, the service worker and the offline page.

Public on purpose (no sign-in): none of them holds anything about anyone. The service worker
caches exactly the files listed in `shell_urls()`: our CSS and scripts, the Plotly bundle, the
icons, the manifest and the offline page. Pages with health data are never cached: offline, a
page opens as the offline page, which holds a check-in form that saves to the phone
(static/js/offline.js) until the network is back.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.decorators import holds_no_personal_data

from .crisis import crisis_lines
from .forms import OfflineCheckInForm

THEME_COLOUR = "#1f5f8b"  # the brand colour of static/favicon.svg
# Bump when the service worker's own code changes in a way its cached files do not show.
WORKER_REVISION = "1"

SHELL_STATIC = (
    "css/app.css",
    "css/journal.css",
    "css/trends.css",
    "js/app.js",
    "js/checkin.js",
    "js/offline.js",
    "js/charts.js",
    "js/push.js",
    "vendor/plotly/plotly-basic.min.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
    "icons/apple-touch-icon.png",
)


def shell_urls() -> list[str]:
    """What the worker caches at install: the URLs pages really use (hashed names in
    production, so a new deploy is a new set and a new worker)."""
    return [*(static(path) for path in SHELL_STATIC), reverse("app_manifest"), reverse("offline")]


@holds_no_personal_data
@require_GET
def app_manifest(request):
    manifest = {
        "name": "Tideline",
        "short_name": "Tideline",
        "description": "A private mood journal: a daily check-in in seconds.",
        "id": reverse("home"),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        "shortcuts": [{"name": "Check in", "url": reverse("checkin")}],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@holds_no_personal_data
@require_GET
def service_worker(request):
    """The worker's script, from the site root so its scope is the whole site. `no-cache`:
    browsers check for a new worker on every visit instead of trusting a day-old copy."""
    urls = shell_urls()
    version = hashlib.sha256(json.dumps([WORKER_REVISION, *urls]).encode()).hexdigest()[:16]
    response = render(
        request,
        "journal/sw.js",
        {
            "version": version,
            "shell": json.dumps(urls),
            "offline_url": json.dumps(reverse("offline")),
            "icon_url": json.dumps(static("icons/icon-192.png")),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@holds_no_personal_data
@require_GET
def offline(request):
    """What a page shows when there is no network: rendered for nobody in particular (the
    worker caches it), with a check-in form that saves to the phone, and crisis lines."""
    response = render(
        request,
        "journal/offline.html",
        {
            # Not the visitor's menu, name or flash messages: the worker keeps this page.
            "user": AnonymousUser(),
            "messages": [],
            "form": OfflineCheckInForm(),
            "crisis_lines": crisis_lines(),
            "crisis_region": settings.CRISIS_REGION,
        },
    )
    response["Cache-Control"] = "no-cache"
    return response
