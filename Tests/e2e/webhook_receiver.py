"""A webhook receiver on loopback, as someone integrating with Steiger would write one: it checks
every delivery's Standard Webhooks signature with the endpoint's secret, refuses forged and stale
ones, takes each event once (by its webhook-id), and can be told to fail or go away for a while."""
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300  # seconds a timestamp may be away from our clock


def verify(secret, headers, body, now=None):
    """Whether a delivery is genuine: the HMAC-SHA256 of `id.timestamp.body` under the secret's
    key matches one of the `v1,` signatures, and the timestamp is recent."""
    msg_id, timestamp, signatures = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures and secret.startswith("whsec_")):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now or time.time()) - sent) > TOLERANCE:
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(part.startswith("v1,") and hmac.compare_digest(part[3:], expected) for part in signatures.split(" "))


def sign(secret, msg_id, timestamp, body):
    key = base64.b64decode(secret[len("whsec_"):])
    return "v1," + base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()


class Receiver:
    def __init__(self):
        self.secret = None
        self.fail_first = 0          # answer 500 to the first N tries of each event
        self.always_fail = False
        self.requests = []           # every request: (headers, body, verdict, status answered)
        self.accepted = {}           # event id -> payload, taken once
        self.duplicates = []         # event ids delivered again after we took them
        self.tries = {}              # event id -> tries seen
        self.lock = threading.Lock()
        self.server = None
        self.port = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/steiger"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.handle(headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no")

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.server.allow_reuse_address = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Goes away: the port refuses connections until start()."""
        self.server.shutdown()
        self.server.server_close()

    def handle(self, headers, body):
        with self.lock:
            genuine = self.secret is not None and verify(self.secret, headers, body)
            if not genuine:
                self.requests.append((headers, body, "refused", 401))
                return 401
            event_id = headers["webhook-id"]
            self.tries[event_id] = self.tries.get(event_id, 0) + 1
            if self.always_fail or self.tries[event_id] <= self.fail_first:
                self.requests.append((headers, body, "genuine", 500))
                return 500
            if event_id in self.accepted:
                self.duplicates.append(event_id)
            else:
                self.accepted[event_id] = json.loads(body)
            self.requests.append((headers, body, "genuine", 200))
            return 200

    def wait_for(self, count, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.accepted) >= count:
                    return dict(self.accepted)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.accepted)} of {count} events arrived; requests: {[(r[2], r[3]) for r in self.requests]}")
