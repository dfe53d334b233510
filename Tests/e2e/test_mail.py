"""E-mail end to end: `steiger serve` with worker processes sends notifications through a real
SMTP server on loopback (aiosmtpd, in this process), plain on loopback and with STARTTLS and AUTH;
the server down for a while; the sending process killed in the middle of a batch."""
import base64
import email
import email.policy
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from conftest import FIXTURES, ROOT
from test_serve import Server, admin_run, fresh_database_url

PASSWORD = "correct horse battery staple"


class Mailbox:
    """What the mail server received, parsed; `delay` seconds pass before each mail is taken."""

    def __init__(self, delay=0.0):
        self.messages = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def wait(self, count, timeout=60, address=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for rcpt, m in self.messages if address is None or address in rcpt]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{len(found)} mails, not {count}, within {timeout} s")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp(mailbox, port, **options):
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller


def serve(tmp_path, smtp_url, extra=()):
    """A server whose links start with its own address, sending mail through `smtp_url`."""
    env = dict(os.environ)
    env.pop("STEIGER_DATABASE_URL", None)
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    port = free_port()
    server = Server(binary, tmp_path / "data", env, port=port, extra=[
        "--workers", "1", "--public-url", f"http://127.0.0.1:{port}", "--smtp-url", smtp_url,
        "--mail-from", "steiger@example.org", "--mail-retry-seconds", "1", *extra])
    return server, {"binary": binary, "data": tmp_path / "data", "env": env, "server": server}


def course(service, learners, review=None):
    """A cohort with trainer Tom and `learners` (email → language), an exercise, and a ready
    attempt by each learner; returns the trainer's token."""
    server = service["server"]
    admin = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()}
    cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": "Spring"}, headers=admin).json()["id"]
    made = admin_run(service, "create-user", "--email", "tom@example.org", "--name", "Tom Trainer", "--role", "trainer",
                     "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    users = {}
    for address in learners:
        made = admin_run(service, "create-user", "--email", address, "--name", address.split("@")[0].title(), "--role", "learner",
                         "--password-stdin", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    for user in requests.get(server.url + "/api/v1/users?limit=200", headers=admin).json()["items"]:
        users[user["email"]] = user["id"]
    assert requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{users['tom@example.org']}", json={"part": "trainer"},
                        headers=admin).status_code == 200
    exercise = requests.post(server.url + "/api/v1/exercises", headers=admin, json={
        "title": "Price objection", "instructions": "Answer the customer.", "skillKey": "objections", "cohorts": [cohort],
        "rubric": {"criteria": [{"key": "empathy", "title": "Empathy", "weight": 1,
                                 "scale": [{"value": 1, "label": "No"}, {"value": 2, "label": "Partly"}, {"value": 3, "label": "Yes"}]}]},
        "ladder": {"levels": [{"number": 0, "name": "On your own", "supports": []}]},
        "review": review or {"peerReviewers": 0}}).json()["id"]
    for address, language in learners.items():
        assert requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{users[address]}", json={"part": "learner"},
                            headers=admin).status_code == 200
        token = admin_run(service, "create-token", "--email", address).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.patch(f"{server.url}/api/v1/users/{users[address]}", json={"language": language}, headers=auth).status_code == 200
        awake_all_day(server, auth)
        attempt(server, auth, exercise)
    trainer = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "tom@example.org").stdout.strip()}
    awake_all_day(server, trainer)
    return trainer


def awake_all_day(server, auth):
    """No quiet hours for this person, so that their mail goes out whatever the hour the test runs."""
    chosen = requests.put(server.url + "/api/v1/me/notification-settings", headers=auth, json={"quietStart": 0, "quietEnd": 0})
    assert chosen.status_code == 200, chosen.text


def attempt(server, auth, exercise):
    """Uploads an attempt at `exercise` and waits until it is ready; returns its id."""
    made = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=a.mp4", headers=auth,
                         data=(FIXTURES / "h264_aac.mp4").read_bytes())
    assert made.status_code == 201, made.text
    submission = made.json()["id"]
    deadline = time.time() + 120
    while requests.get(f"{server.url}/api/v1/submissions/{submission}", headers=auth).json()["status"] != "ready":
        assert time.time() < deadline
        time.sleep(0.3)
    return submission


def review_all(server, trainer, count):
    for _ in range(count):
        task = requests.post(server.url + "/api/v1/review-queue/claim", headers=trainer)
        assert task.status_code == 200, task.text
        made = requests.post(f"{server.url}/api/v1/review-tasks/{task.json()['id']}/review", headers=trainer, json={"scores": {"empathy": 3}})
        assert made.status_code == 201, made.text


def body(message, subtype):
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_a_review_reaches_the_learner_by_mail_in_her_language_with_a_working_link_and_one_click_unsubscribe(tmp_path):
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    server, service = serve(tmp_path, f"smtp://127.0.0.1:{smtp_port}")
    try:
        trainer = course(service, {"lea@example.org": "nl"})
        review_all(server, trainer, 1)
        [mail] = mailbox.wait(1, address="lea@example.org")
        assert mail["Subject"] == "Een trainer heeft je poging bij ‘Price objection’ beoordeeld."
        assert mail["From"] == "Steiger <steiger@example.org>" and mail["To"].startswith("Lea <lea@example.org>")
        assert mail["Message-ID"].startswith("<notice-") and mail["Auto-Submitted"] == "auto-generated"
        text, html = body(mail, "plain"), body(mail, "html")
        assert text.startswith("Hallo Lea,") and "Openen in Steiger: " in text and '<html lang="nl">' in html
        link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Openen in Steiger: "))
        assert link.startswith(server.url + "/learn/submissions/")
        # The link opens the attempt once Lea is signed in.
        browser = requests.Session()
        page = browser.get(server.url + "/login")
        csrf = page.text.split('name="_csrf" value="')[1].split('"')[0]
        browser.post(server.url + "/login", data={"email": "lea@example.org", "password": PASSWORD, "_csrf": csrf})
        opened = browser.get(link)
        assert opened.status_code == 200 and "Price objection" in opened.text
        # One click, as a mail provider makes it (RFC 8058): no session, a POST to the header's address.
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = mail["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith(server.url + "/unsubscribe?")
        done = requests.post(unsubscribe, data="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://mail.example.net"})
        assert done.status_code == 200 and "Gedaan" in done.text or "Done" in done.text
        settings = browser.get(server.url + "/api/v1/me/notification-settings").json()
        assert next(k for k in settings["kinds"] if k["kind"] == "feedback.ready")["delivery"] == "app"
        # A forged link changes nothing.
        forged = unsubscribe.replace("k=feedback.ready", "k=comment.reply")
        assert requests.post(forged, data="List-Unsubscribe=One-Click").status_code == 404
        assert len(mailbox.messages) == 1
    finally:
        server.stop()
        smtp.stop()


def self_signed(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    return key, cert


def test_mail_goes_over_starttls_with_a_password(tmp_path):
    key, cert = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"steiger" and auth_data.password == b"s3cret pass"
        return AuthResult(success=ok)

    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port, tls_context=context, require_starttls=True, authenticator=authenticator,
                      auth_required=True, auth_require_tls=True)
    server, service = serve(tmp_path, f"smtp://steiger:s3cret%20pass@localhost:{smtp_port}", extra=["--smtp-ca-file", str(cert)])
    try:
        trainer = course(service, {"lea@example.org": "en"})
        review_all(server, trainer, 1)
        [mail] = mailbox.wait(1)
        assert mail["Subject"] == "A trainer reviewed your attempt at “Price objection”."
        assert body(mail, "plain").startswith("Hello Lea,")
    finally:
        server.stop()
        smtp.stop()
    assert '"e-mail on"' in server.logs or "e-mail on" in server.logs


def test_mail_waits_for_a_mail_server_that_is_down_and_arrives_once_it_is_back(tmp_path):
    mailbox = Mailbox()
    smtp_port = free_port()  # nothing listens yet
    server, service = serve(tmp_path, f"smtp://127.0.0.1:{smtp_port}")
    learners = {f"learner{i}@example.org": "en" for i in range(4)}
    try:
        trainer = course(service, learners)
        review_all(server, trainer, len(learners))
        time.sleep(3)  # the mailer tries, fails, and waits
        smtp = start_smtp(mailbox, smtp_port)
        try:
            mails = mailbox.wait(len(learners), timeout=90)
            time.sleep(3)  # nothing more comes
            ids = [m["Message-ID"] for rcpt, m in mailbox.messages]
            assert len(ids) == len(learners) == len(set(ids))
            assert {rcpt[0] for rcpt, m in mailbox.messages} == set(learners)
        finally:
            smtp.stop()
    finally:
        server.stop()
    assert "mail not sent" in server.logs


def test_a_mailer_killed_in_the_middle_of_a_batch_sends_the_rest_after_a_restart(tmp_path):
    mailbox = Mailbox(delay=0.4)
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    learners = {f"learner{i}@example.org": "en" for i in range(6)}
    server, service = serve(tmp_path, f"smtp://127.0.0.1:{smtp_port}")
    try:
        trainer = course(service, learners)
        review_all(server, trainer, len(learners))
        mailbox.wait(2, timeout=60)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        server.log_file.close()
        sent_before = len(mailbox.messages)
        assert sent_before < len(learners), "the batch was done before the kill"
        port = int(server.url.rsplit(":", 1)[1])
        restarted = Server(service["binary"], service["data"], service["env"], port=port, extra=[
            "--workers", "1", "--public-url", server.url, "--smtp-url", f"smtp://127.0.0.1:{smtp_port}",
            "--mail-from", "steiger@example.org", "--mail-retry-seconds", "1"])
        try:
            mailbox.wait(len(learners), timeout=120)
            time.sleep(2)
            ids = [m["Message-ID"] for rcpt, m in mailbox.messages]
            # Every mail arrived. Only the one whose answer the kill cut off may arrive again,
            # with the same Message-ID, so a mailbox takes it once.
            assert set(rcpt[0] for rcpt, m in mailbox.messages) == set(learners)
            assert len(set(ids)) == len(learners) and len(ids) <= len(learners) + 1, ids
            print(f"killed after {sent_before} of {len(learners)}; received {len(ids)} messages, {len(set(ids))} distinct")
        finally:
            restarted.stop()
    finally:
        smtp.stop()


@pytest.mark.skipif(not os.environ.get("STEIGER_TEST_POSTGRES_URL"), reason="needs the test PostgreSQL server")
def test_a_review_due_tomorrow_is_reminded_once_also_with_two_servers(tmp_path):
    """Two `serve` processes on one PostgreSQL database both look for deadlines every second; each
    peer whose review falls due within a day gets exactly one reminder by mail."""
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    env = dict(os.environ)
    env["STEIGER_DATABASE_URL"] = fresh_database_url("postgresql")
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    servers = []
    try:
        for workers in ("1", "0"):
            port = free_port()
            servers.append(Server(binary, tmp_path / "data", env, port=port, extra=[
                "--workers", workers, "--public-url", f"http://127.0.0.1:{port}", "--smtp-url", f"smtp://127.0.0.1:{smtp_port}",
                "--mail-from", "steiger@example.org", "--deadline-check-seconds", "1"]))
        service = {"binary": binary, "data": tmp_path / "data", "env": env, "server": servers[0]}
        learners = {"ann@example.org": "en", "bob@example.org": "en"}
        course(service, learners, review={"peerReviewers": 1, "dueHours": 12})
        given = "A peer review of an attempt at “Price objection” is yours to do."
        due = "A peer review of an attempt at “Price objection” is due within a day."
        mailbox.wait(2, timeout=60)  # a peer review given, then due within a day
        time.sleep(4)  # both servers have looked several times since
        peers = {rcpt[0] for rcpt, m in mailbox.messages if m["Subject"] == given}
        assert peers, [m["Subject"] for rcpt, m in mailbox.messages]
        for address in peers:
            subjects = [m["Subject"] for m in mailbox.to(address)]
            assert subjects.count(due) == 1 and subjects.count(given) == 1, subjects
    finally:
        for server in servers:
            server.stop()
        smtp.stop()


class PickyMailbox(Mailbox):
    """Refuses one mailbox for good, asks for another's mail later once, takes the rest."""

    def __init__(self):
        super().__init__()
        self.deferred = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.2.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_an_address_the_server_refuses_is_shown_to_the_administrator_and_holds_up_nobody_else(tmp_path):
    mailbox = PickyMailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    server, service = serve(tmp_path, f"smtp://127.0.0.1:{smtp_port}")
    try:
        trainer = course(service, {"gone@example.org": "en", "busy@example.org": "en", "fine@example.org": "en"})
        review_all(server, trainer, 3)
        mailbox.wait(1, address="fine@example.org")
        mailbox.wait(1, address="busy@example.org", timeout=30)  # asked again after its 4xx
        assert mailbox.to("gone@example.org") == []
        email_address, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        browser = requests.Session()
        browser.headers["Accept-Language"] = "en"
        page = browser.get(server.url + "/login")
        csrf = page.text.split('name="_csrf" value="')[1].split('"')[0]
        browser.post(server.url + "/login", data={"email": email_address, "password": password, "_csrf": csrf})
        deadline = time.time() + 20
        while "gone@example.org" not in (admin := browser.get(server.url + "/admin").text):
            assert time.time() < deadline, admin
            time.sleep(0.5)
        assert "Addresses the mail server refused" in admin and "550" in admin
        assert "E-mail is sent through 127.0.0.1:" in admin
    finally:
        server.stop()
        smtp.stop()


def test_a_daily_digest_goes_out_at_the_local_hour_with_every_item_since_the_last_one_once(tmp_path):
    """Lea, in Amsterdam, wants her news in one mail at 07:00 her time. The service runs on a
    clock set to chosen days (restarted between them, as after a night): reviews on one day wait
    for the next morning's summary, which holds each of them once; the next day's summary holds
    only what came after."""
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    url = f"smtp://127.0.0.1:{smtp_port}"
    # Before the days in question: the course, with three attempts of Lea's ready for review.
    server, service = serve(tmp_path, url)
    try:
        trainer = course(service, {"lea@example.org": "nl"})
        lea = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "lea@example.org").stdout.strip()}
        exercise = requests.get(server.url + "/api/v1/exercises", headers=lea).json()["items"][0]["id"]
        for _ in range(2):
            attempt(server, lea, exercise)
    finally:
        server.stop()

    def day(start):
        return serve(tmp_path, url, extra=["--clock-start", start, "--digest-check-seconds", "0.5"])[0]

    # Thursday 10 December, 11:00 in Amsterdam: Lea chooses her summary at 07:00; two reviews come in.
    server = day("2026-12-10T10:00:00Z")
    try:
        kinds = requests.get(server.url + "/api/v1/me/notification-settings", headers=lea).json()["kinds"]
        chosen = requests.put(server.url + "/api/v1/me/notification-settings", headers=lea, json={
            "timeZone": "Europe/Amsterdam", "digestHour": 7, "deliveries": {k["kind"]: "digest" for k in kinds}})
        assert chosen.status_code == 200, chosen.text
        review_all(server, trainer, 2)
        deadline = time.time() + 20
        while requests.get(server.url + "/api/v1/me/notifications", headers=lea).json()["unread"] < 2:
            assert time.time() < deadline
            time.sleep(0.2)
        time.sleep(2)
        assert mailbox.to("lea@example.org") == [], "nothing before the summary"
    finally:
        server.stop()

    # Friday, 06:59:55 in Amsterdam: at 07:00 the summary goes out with both reviews, each once.
    server = day("2026-12-11T05:59:55Z")
    try:
        [summary] = mailbox.wait(1, address="lea@example.org", timeout=30)
        assert summary["Subject"] == "Je overzicht van Steiger: 2 meldingen"
        assert summary["Date"].startswith("Fri, 11 Dec 2026 06:00:")
        text = body(summary, "plain")
        items = [line for line in text.splitlines() if line.startswith("- ")]
        assert len(items) == 2 and all("beoordeeld" in item and "UTC+1" in item for item in items), text
        links = re.findall(re.escape(server.url) + r"/notifications/[0-9a-f-]+", text)
        assert len(set(links)) == 2
        # Later that morning the third attempt is reviewed; it waits for Saturday.
        review_all(server, trainer, 1)
        deadline = time.time() + 20
        while requests.get(server.url + "/api/v1/me/notifications", headers=lea).json()["unread"] < 3:
            assert time.time() < deadline
            time.sleep(0.2)
        time.sleep(2)
        assert len(mailbox.to("lea@example.org")) == 1
    finally:
        server.stop()

    # Saturday 07:00: only what came since Friday's summary.
    server = day("2026-12-12T05:59:55Z")
    try:
        mails = mailbox.wait(2, address="lea@example.org", timeout=30)
        second = mails[1]
        assert second["Subject"] == "Je overzicht van Steiger: één melding"
        items = [line for line in body(second, "plain").splitlines() if line.startswith("- ")]
        assert len(items) == 1
        time.sleep(2)
        assert len(mailbox.to("lea@example.org")) == 2
    finally:
        server.stop()
        smtp.stop()
