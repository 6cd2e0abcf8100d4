"""A push service on loopback for tests: records what Tideline POSTs to each endpoint and
answers as told. Also a browser's side of a subscription: the key pair and auth secret a
browser makes, so a test can decrypt what was sent (RFC 8291) and see exactly what it carried.
"""

import json
import os
import threading
from base64 import urlsafe_b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class Device:
    """A browser's push subscription: what it would hand the page, and its private half."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


class PushService:
    """`received`: (path, headers with lower-case names, body) per POST. `status`: path -> the
    statuses to answer in turn (201 once they run out)."""

    def __init__(self):
        self.received: list[tuple[str, dict, bytes]] = []
        self.status: dict[str, list[int]] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                service.received.append((self.path, headers, body))
                answers = service.status.get(self.path) or []
                code = answers.pop(0) if answers else 201
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def device(self, name: str) -> Device:
        return Device(f"{self.url}/push/{name}")

    def bodies_for(self, device: Device) -> list[bytes]:
        path = device.endpoint.removeprefix(self.url)
        return [body for p, _headers, body in self.received if p == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
