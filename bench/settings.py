"""Benchmark-only settings: production settings plus the floor views in bench/urls.py.

Production URLs never carry the bench views; only a process started with
DJANGO_SETTINGS_MODULE=bench.settings has them.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Serve the committed static files as they are (no collectstatic manifest needed).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# bench/pages.py --renderer django measures the pages with Django's own form renderer, to
# compare with the remembering one in the same session.
FORM_RENDERER = os.environ.get("BENCH_FORM_RENDERER", FORM_RENDERER)  # noqa: F405
