"""gunicorn's settings, read from the working directory whenever gunicorn starts here.

The access log shows each request's method, the URL pattern it matched (arguments named, not
shown: no token, no id, no query string), status, size, time and user agent; never the
referrer, cookies or headers (config/access_log.py).
"""

logger_class = "config.access_log.RedactingGunicornLogger"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
