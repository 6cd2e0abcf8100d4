"""Error reports leave without health data: the scrubber on a full event, and a real SDK
capture through a transport that records what would have been sent."""

import json

import sentry_sdk
from sentry_sdk.transport import Transport

from config.sentry import scrub_event, sentry_init

MARKER = "MARKER-5be1-felt-hopeless"


def test_the_scrubber_removes_a_marker_from_every_place_an_event_can_carry_it():
    event = {
        "message": f"failed for {MARKER}@example.org",
        "request": {
            "method": "POST",
            "url": f"https://tideline.example/checkin/?note={MARKER}",
            "query_string": f"note={MARKER}",
            "data": {"note": MARKER, "mood": "2"},
            "cookies": {"sessionid": MARKER},
            "headers": {"Cookie": f"sessionid={MARKER}", "Referer": f"/x?{MARKER}"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "user": {"id": "42", "email": f"{MARKER}@example.org", "username": MARKER},
        "extra": {"note": MARKER},
        "breadcrumbs": {"values": [{"message": f"SELECT ... {MARKER}"}]},
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": f"Key (email)=({MARKER}@example.org) already exists.",
                    "stacktrace": {
                        "frames": [
                            {"function": "checkin_save", "lineno": 12, "vars": {"note": MARKER}}
                        ]
                    },
                }
            ]
        },
        "logentry": {"message": "%s", "params": [MARKER], "formatted": MARKER + "@example.org"},
    }

    scrubbed = scrub_event(event, {})

    assert MARKER not in json.dumps(scrubbed)
    # What an engineer needs is still there.
    assert scrubbed["request"] == {"method": "POST"}
    assert scrubbed["user"] == {"id": "42"}
    frame = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert (frame["function"], frame["lineno"]) == ("checkin_save", 12)
    assert scrubbed["exception"]["values"][0]["type"] == "IntegrityError"


class Recorder(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


def test_a_real_capture_sends_no_local_variable_email_or_extra():
    recorder = Recorder()
    sentry_init(dsn="http://key@127.0.0.1:9/1", environment="test", release=None)
    client = sentry_sdk.get_client()
    client.transport = recorder
    try:
        sentry_sdk.set_user({"id": "7", "email": f"{MARKER}@example.org"})
        sentry_sdk.set_extra("note", MARKER)
        sentry_sdk.add_breadcrumb(message=MARKER)
        note = MARKER  # a local variable the SDK would read from the frame

        try:
            raise ValueError(f"bad note from {MARKER}@example.org")
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
        assert note
    finally:
        sentry_sdk.get_global_scope().clear()
        sentry_sdk.get_isolation_scope().clear()
        sentry_sdk.get_current_scope().clear()
        sentry_sdk.init()  # off again: no DSN

    payloads = [item.payload.json for env in recorder.envelopes for item in env.items]
    events = [p for p in payloads if p and p.get("exception")]
    assert len(events) == 1
    assert MARKER not in json.dumps(payloads)
    assert events[0]["exception"]["values"][0]["type"] == "ValueError"
    assert events[0]["user"] == {"id": "7"}
