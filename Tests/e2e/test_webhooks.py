"""Webhooks as an administrator and an integrator meet them: an endpoint registered through the
API of a real `steiger serve`, a receiver on loopback that checks every signature, failures and
an outage ridden out by retries, and nothing taken twice; on SQLite and PostgreSQL."""
import json
import re
import subprocess
import time

import pytest
import requests

from test_serve import Server, admin_run, service  # noqa: F401 (the fixture)
from webhook_receiver import Receiver, sign, verify

FAST_RETRIES = ["--workers", "0", "--allow-private-webhooks", "--webhook-retry-seconds", "0.2"]


def admin_token(server, service):
    email = re.search(r"First administrator: (\S+) /", server.banner).group(1)
    result = admin_run(service, "create-token", "--email", email)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().split()[-1]
    return {"Authorization": f"Bearer {token}"}


def make_user(server, auth, name):
    reply = requests.post(server.url + "/api/v1/users", headers=auth,
                          json={"email": f"{name}@example.org", "displayName": name.title(), "roles": ["learner"]})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def deliveries(server, auth, endpoint):
    reply = requests.get(f"{server.url}/api/v1/webhooks/{endpoint}/deliveries", headers=auth)
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]


def wait_until(condition, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_signed_deliveries_survive_failures_and_an_outage(service):
    receiver = Receiver()
    server = Server(service["binary"], service["data"], service["env"], extra=FAST_RETRIES)
    try:
        auth = admin_token(server, service)
        reply = requests.post(server.url + "/api/v1/webhooks", headers=auth,
                              json={"url": receiver.url, "events": ["user.created", "user.disabled"], "description": "HR system"})
        assert reply.status_code == 201, reply.text
        endpoint = reply.json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
        assert endpoint["events"] == ["user.created", "user.disabled"]
        receiver.secret = endpoint["secret"]

        # The receiver fails the first two tries of every event; each arrives on the third.
        receiver.fail_first = 2
        anna = make_user(server, auth, "anna")
        bram = make_user(server, auth, "bram")
        assert requests.patch(f"{server.url}/api/v1/users/{anna}", headers=auth, json={"disabled": True}).status_code == 200
        arrived = receiver.wait_for(3)
        kinds = sorted((p["type"], p["data"]["subjects"]["user"]) for p in arrived.values())
        assert kinds == sorted([("user.created", anna), ("user.created", bram), ("user.disabled", anna)])
        assert all(payload["data"]["actor"] for payload in arrived.values())  # the administrator caused them
        assert all(verdict == "genuine" for _, _, verdict, _ in receiver.requests)
        assert all(receiver.tries[event] == 3 for event in arrived)
        # The administrator sees every try: two refusals, then the delivery.
        listed = wait_until(lambda: (lambda items: items if all(d["status"] == "delivered" for d in items) else None)(
            deliveries(server, auth, endpoint["id"])))
        assert len(listed) == 3
        for delivery in listed:
            assert [a["statusCode"] for a in delivery["attempts"]] == [500, 500, 200]
            assert delivery["deliveredAt"] and delivery["nextAttemptAt"] is None

        # The receiver goes away for a while; what happens meanwhile arrives when it is back.
        receiver.fail_first = 0
        receiver.stop()
        during = [make_user(server, auth, f"outage{index}") for index in range(5)]
        wait_until(lambda: sum(len(d["attempts"]) for d in deliveries(server, auth, endpoint["id"]) if d["status"] == "pending") >= 5)
        time.sleep(1)  # a few more refused tries
        receiver.start()
        arrived = receiver.wait_for(3 + 5)
        assert sorted(p["data"]["subjects"]["user"] for p in arrived.values() if p["type"] == "user.created") == sorted([anna, bram, *during])
        listed = wait_until(lambda: (lambda items: items if len(items) == 8 and all(d["status"] == "delivered" for d in items) else None)(
            deliveries(server, auth, endpoint["id"])))
        # One delivery per event, each taken once: exactly one 2xx among its tries.
        assert len({d["eventId"] for d in listed}) == 8
        for delivery in listed:
            assert [a["statusCode"] for a in delivery["attempts"]].count(200) == 1
        outage = [d for d in listed if d["eventId"] in arrived and arrived[d["eventId"]]["data"]["subjects"]["user"] in during]
        assert all(a["statusCode"] is None and a["error"] for d in outage for a in d["attempts"][:-1])
        assert receiver.duplicates == []

        # What the header lets a receiver tell: a real delivery verifies; forged or stale ones do not.
        headers, body, _, _ = next(r for r in receiver.requests if r[3] == 200)
        assert verify(receiver.secret, headers, body)
        tampered = body.replace(b'"version":1', b'"version":2')
        assert tampered != body
        assert not verify(receiver.secret, headers, tampered)
        assert not verify("whsec_" + "A" * 43 + "=", headers, body)  # another secret
        moved = dict(headers, **{"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)})
        assert not verify(receiver.secret, moved, body)  # the timestamp is signed too
        stale_time = int(time.time()) - 3600
        stale = dict(headers, **{"webhook-timestamp": str(stale_time),
                                 "webhook-signature": sign(receiver.secret, headers["webhook-id"], stale_time, body)})
        assert not verify(receiver.secret, stale, body)  # correctly signed, but an hour old: a replay
        assert requests.post(receiver.url, data=tampered, headers={**headers, "content-length": str(len(tampered))}).status_code == 401
    finally:
        assert server.stop() == 0
        receiver.stop()


def test_a_failing_endpoint_is_switched_off_with_a_reason_and_back_on(service):
    receiver = Receiver()
    receiver.always_fail = True
    server = Server(service["binary"], service["data"], service["env"], extra=FAST_RETRIES + ["--webhook-retry-hours", "0.001"])
    try:
        auth = admin_token(server, service)
        endpoint = requests.post(server.url + "/api/v1/webhooks", headers={**auth, "Accept-Language": "en"},
                                 json={"url": receiver.url}).json()
        receiver.secret = endpoint["secret"]
        make_user(server, auth, "carla")
        switched_off = wait_until(lambda: (lambda e: e if not e["enabled"] else None)(
            requests.get(f"{server.url}/api/v1/webhooks/{endpoint['id']}", headers={**auth, "Accept-Language": "en"}).json()))
        assert switched_off["disabledReason"].startswith("Switched off: no delivery succeeded")
        assert "HTTP 500" in switched_off["disabledReason"]
        dutch = requests.get(f"{server.url}/api/v1/webhooks/{endpoint['id']}", headers={**auth, "Accept-Language": "nl"}).json()
        assert dutch["disabledReason"].startswith("Uitgeschakeld:")
        failed = deliveries(server, auth, endpoint["id"])
        assert [d["status"] for d in failed] == ["failed"] and len(failed[0]["attempts"]) >= 2
        # Nothing more is sent while it is off.
        tries = len(receiver.requests)
        make_user(server, auth, "daan")
        time.sleep(1.5)
        assert len(receiver.requests) == tries
        # Back on after the receiver is fixed: what waited is delivered, the news that the
        # endpoint had been switched off first.
        receiver.always_fail = False
        again = requests.patch(f"{server.url}/api/v1/webhooks/{endpoint['id']}", headers=auth, json={"enabled": True}).json()
        assert again["enabled"] is True and again["disabledReason"] is None
        arrived = receiver.wait_for(2)
        assert sorted(p["type"] for p in arrived.values()) == ["user.created", "webhook.disabled"]
        assert next(p for p in arrived.values() if p["type"] == "webhook.disabled")["data"]["subjects"]["endpoint"] == endpoint["id"]
    finally:
        assert server.stop() == 0
        receiver.stop()


def test_private_addresses_are_refused_unless_allowed(service, steiger):
    help_text = steiger("serve", "--help").stdout
    assert "--allow-private-webhooks" in help_text and "STEIGER_ALLOW_PRIVATE_WEBHOOKS" in help_text
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "0"])
    try:
        auth = admin_token(server, service)
        for url in ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
                    "http://169.254.169.254/latest/meta-data", "http://192.168.1.20/hook"]:
            reply = requests.post(server.url + "/api/v1/webhooks", headers={**auth, "Accept-Language": "en"}, json={"url": url})
            assert reply.status_code == 422, (url, reply.text)
            problem = reply.json()
            assert problem["errors"][0]["field"] == "url" and "private network" in problem["errors"][0]["message"]
        for url in ["ftp://example.org/hook", "example.org/hook", "https://user:pw@example.org/hook"]:
            reply = requests.post(server.url + "/api/v1/webhooks", headers=auth, json={"url": url})
            assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "url", url
        reply = requests.post(server.url + "/api/v1/webhooks", headers=auth, json={"url": "https://hooks.example.invalid/x", "events": ["user.sneezed"]})
        assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "events[0]"
        # A learner neither sees nor makes them, nor learns that one exists.
        make_user(server, auth, "eva")
        created = requests.post(server.url + "/api/v1/webhooks", headers=auth, json={"url": "https://hooks.example.invalid/steiger"})
        assert created.status_code == 201, created.text  # a name is judged by where it leads; one that leads nowhere yet is taken
        token = admin_run(service, "create-token", "--email", "eva@example.org").stdout.strip().split()[-1]
        learner = {"Authorization": f"Bearer {token}"}
        assert requests.get(server.url + "/api/v1/webhooks", headers=learner).status_code == 403
        assert requests.post(server.url + "/api/v1/webhooks", headers=learner, json={"url": "https://x.example.invalid"}).status_code == 403
        hidden = requests.get(f"{server.url}/api/v1/webhooks/{created.json()['id']}", headers=learner)
        assert hidden.status_code == 404 and "hooks.example.invalid" not in hidden.text
    finally:
        assert server.stop() == 0
