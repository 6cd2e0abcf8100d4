"""Benchmark-only settings: production settings plus the floor views in bench/urls.py.

Production URLs never carry the bench views; only a process started with
DJANGO_SETTINGS_MODULE=bench.settings has them.
"""

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
