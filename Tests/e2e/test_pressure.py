"""The service under pressure, attacked as the findings describe: a data volume that fills up,
with the server's own log on it."""
import base64
import hashlib
import os
import pathlib
import re
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import FIXTURES
from test_serve import Server, admin_run
from test_uploads import course, service, wait_for  # noqa: F401 (the fixture)

TUS = {"Tus-Resumable": "1.0.0"}
MB = 1 << 20


@pytest.fixture
def small_volume(tmp_path):
    """A 40 MB tmpfs, unmounted afterwards; skipped where this machine cannot mount one."""
    mount = tmp_path / "volume"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small volume here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def stored(data):
    """SHA-256 of every stored media file (originals, renditions, posters), by path."""
    media = data / "media"
    return {str(p.relative_to(media)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in media.rglob("*") if p.is_file() and "tmp" not in p.relative_to(media).parts}


def free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(volume, leave):
    """Eats the volume (as another program would) until `leave` bytes are free; returns the filler."""
    filler = volume / "filler"
    with open(filler, "ab") as out:
        chunk = b"\0" * MB
        while free_bytes(volume) - MB > leave:
            out.write(chunk)
            out.flush()
        os.fsync(out.fileno())
    return filler


def test_a_full_disk_refuses_uploads_cleanly_and_the_service_goes_on(service, small_volume):
    if service["engine"] != "sqlite":
        pytest.skip("the database shares the volume only on the embedded default")
    data = small_volume / "data"
    # The server's log is on the same volume (Server writes it beside the data directory).
    server = Server(service["binary"], data, service["env"], extra=["--workers", "1", "--disk-reserve-mb", "8"])
    service = {**service, "data": data}
    try:
        admin_email, admin_password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        token, exercise = course(server, service)
        auth = {"Authorization": f"Bearer {token}"}
        clip = (FIXTURES / "h264_aac.mp4").read_bytes()
        made = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=take.mp4", data=clip, headers=auth)
        assert made.status_code == 201, made.text
        submission = made.json()["id"]
        media = f"{server.url}/api/v1/submissions/{submission}/media"
        wait_for(lambda: requests.get(media, headers=auth).json()["status"] == "ready", timeout=60)
        before = stored(data)
        assert len(before) >= 3  # original, rendition or remux, poster

        # A learner announces 89 MB on a 40 MB volume: refused before a byte is written.
        announce = {**auth, **TUS, "Upload-Length": str(89 * MB),
                    "Upload-Metadata": "exercise " + base64.b64encode(exercise.encode()).decode()}
        refused = requests.post(server.url + "/api/v1/uploads", headers=announce)
        assert refused.status_code == 507, refused.text
        assert "te weinig opslagruimte" in refused.json()["detail"]  # in the service's default language
        english = requests.post(server.url + "/api/v1/uploads", headers={**announce, "Accept-Language": "en"})
        assert english.status_code == 507 and "short of storage space" in english.json()["detail"]
        assert not any((data / "uploads").iterdir())

        # One that fits is accepted; then another program eats the volume while it is sent.
        announce["Upload-Length"] = str(12 * MB)
        created = requests.post(server.url + "/api/v1/uploads", headers=announce)
        assert created.status_code == 201, created.text
        location = server.url + created.headers["Location"]
        first = os.urandom(2 * MB)
        sent = requests.patch(location, data=first, headers={**auth, **TUS, "Upload-Offset": "0",
                                                             "Content-Type": "application/offset+octet-stream"})
        assert sent.status_code == 204 and sent.headers["Upload-Offset"] == str(2 * MB)
        filler = fill(small_volume, leave=6 * MB)
        rest = os.urandom(10 * MB)
        full = requests.patch(location, data=rest, headers={**auth, **TUS, "Upload-Offset": str(2 * MB),
                                                            "Content-Type": "application/offset+octet-stream"})
        assert full.status_code == 507, full.text
        # The upload is where it was, on disk as in the database, and the room went back.
        head = requests.head(location, headers={**auth, **TUS})
        assert head.headers["Upload-Offset"] == str(2 * MB)
        upload_file = data / "uploads" / created.headers["Location"].rsplit("/", 1)[1]
        assert upload_file.stat().st_size == 2 * MB
        assert hashlib.sha256(upload_file.read_bytes()).hexdigest() == hashlib.sha256(first).hexdigest()

        # Degraded, and said so: readiness, metrics and the administrator's page.
        ready = requests.get(server.url + "/readyz").json()
        assert ready["status"] == "degraded" and ready["disk"]["low"] is True
        assert re.search(r"^steiger_degraded_state 1(\.0)?$", requests.get(server.url + "/metrics").text, re.M)
        session = requests.Session()
        login = session.post(server.url + "/api/v1/auth/login", json={"email": admin_email, "password": admin_password})
        assert login.status_code == 200, login.text
        page = session.get(server.url + "/admin", headers={"Accept-Language": "en"})
        assert "Storage is nearly full." in page.text

        # Everything else goes on: reading, watching, commenting, a small streaming upload refused
        # cleanly (no orphan), and letting go of the stalled upload.
        assert requests.get(media, headers=auth).json()["status"] == "ready"
        original = requests.get(media + "/original", headers=auth)
        assert original.status_code == 200 and original.content == clip
        comment = requests.post(f"{server.url}/api/v1/submissions/{submission}/annotations", headers=auth,
                                json={"at": 500, "text": "I rushed the price here"})
        assert comment.status_code == 201, comment.text
        streamed = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=big.mp4",
                                 data=os.urandom(8 * MB), headers=auth)
        assert streamed.status_code == 507, streamed.text
        assert [p.name for p in (data / "uploads").iterdir()] == [upload_file.name]
        assert requests.delete(location, headers={**auth, **TUS}).status_code == 204
        assert not any((data / "uploads").iterdir())

        # The volume quite full, the log on it: the server keeps answering, it only loses log lines.
        fill(small_volume, leave=0)
        for _ in range(20):
            assert requests.post(server.url + "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x" * 12}).status_code in (401, 429)
        assert requests.get(server.url + "/healthz").status_code == 200
        assert server.process.poll() is None

        # Room again: back to ready, and uploads work.
        filler.unlink()
        assert requests.get(server.url + "/readyz").json()["status"] == "ready"
        again = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=again.mp4", data=clip, headers=auth)
        assert again.status_code == 201, again.text
        # Nothing stored changed.
        after = stored(data)
        assert {path: sha for path, sha in after.items() if path in before} == before
        comments = requests.get(f"{server.url}/api/v1/submissions/{submission}/annotations", headers=auth).json()["items"]
        assert [c["text"] for c in comments] == ["I rushed the price here"]
    finally:
        assert server.stop() == 0


def make_heavy_recording(path, minutes=5):
    """Minutes of 1080p 4:4:4 black: a small file that costs a worker minutes to convert."""
    if not path.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=black:s=1920x1080:r=30", "-t", str(minutes * 60),
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-g", "9000", "-crf", "51", str(path)],
                       check=True)
    return path


def second_learner(server, service, exercise_cohort_of):
    """Another learner in the same cohort; returns their token."""
    admin = admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()
    auth = {"Authorization": f"Bearer {admin}"}
    learner = requests.post(server.url + "/api/v1/users", headers=auth,
                            json={"email": "sam@example.org", "displayName": "Sam", "roles": ["learner"]}).json()["id"]
    assert requests.put(f"{server.url}/api/v1/cohorts/{exercise_cohort_of}/members/{learner}", json={"part": "learner"},
                        headers=auth).status_code == 200
    return admin_run(service, "create-token", "--email", "sam@example.org").stdout.strip()


def test_one_learners_pile_of_slow_files_does_not_hold_up_another_learners_clip(service):
    heavy = make_heavy_recording(service["tmp"] / "black-444.mp4")
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "2"])
    try:
        token, exercise = course(server, service)
        greedy = {"Authorization": f"Bearer {token}"}
        cohort = requests.get(f"{server.url}/api/v1/exercises/{exercise}", headers=greedy).json()["cohorts"][0]
        other = {"Authorization": f"Bearer {second_learner(server, service, cohort)}"}
        body = heavy.read_bytes()
        piled = []
        for n in range(10):
            made = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=slow-{n}.mp4", data=body, headers=greedy)
            assert made.status_code == 201, made.text
            piled.append(made.json()["id"])
        time.sleep(2)  # the workers are busy with the pile
        started = time.time()
        clip = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=mine.mp4",
                             data=(FIXTURES / "h264_aac.mp4").read_bytes(), headers=other)
        assert clip.status_code == 201, clip.text
        media = f"{server.url}/api/v1/submissions/{clip.json()['id']}/media"
        wait_for(lambda: requests.get(media, headers=other).json()["status"] == "ready", timeout=30)
        waited = time.time() - started
        print(f"another learner's clip ready after {waited:.1f} s behind a pile of 10 slow files")
        # The pile is still being worked through, one at a time.
        states = [requests.get(f"{server.url}/api/v1/submissions/{s}", headers=greedy).json()["status"] for s in piled]
        assert states.count("processing") >= 9, states
    finally:
        assert server.stop() == 0


def open_idle_connections(url, count, source):
    """`count` connections from `source` that send a request line and one header, then nothing."""
    import socket
    host = urllib.parse.urlsplit(url)
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(5)
        try:
            s.connect((host.hostname, host.port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
        sockets.append(s)
    return sockets


def closed_by_server(sockets, within):
    """How many of `sockets` the server closed (EOF or reset) within `within` seconds in all."""
    import selectors
    deadline = time.time() + within
    watch = selectors.DefaultSelector()  # epoll: thousands of descriptors
    open_ones = set()
    for s in sockets:
        try:
            watch.register(s, selectors.EVENT_READ)
            open_ones.add(s)
        except (ValueError, OSError):
            pass  # closed already
    closed = len(sockets) - len(open_ones)
    while open_ones and time.time() < deadline:
        for key, _ in watch.select(timeout=0.2):
            s = key.fileobj
            try:
                gone = s.recv(1) == b""
            except OSError:
                gone = True
            if gone:
                watch.unregister(s)
                open_ones.discard(s)
                closed += 1
    watch.close()
    return closed


def timed(call):
    started = time.time()
    result = call()
    return result, time.time() - started


def test_idle_connections_from_one_address_do_not_exhaust_the_server(service):
    if service["engine"] != "sqlite":
        pytest.skip("connections, not the database, are under test")
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "0", "--header-timeout", "4"])
    try:
        email, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        # 2,000 connections from one address that never finish their headers.
        attack = open_idle_connections(server.url, 2000, "127.0.0.5")
        try:
            # Everyone else is served promptly meanwhile.
            health, seconds = timed(lambda: requests.get(server.url + "/healthz", timeout=5))
            assert health.status_code == 200 and seconds < 1, seconds
            login, seconds = timed(lambda: requests.post(server.url + "/api/v1/auth/login", json={"email": email, "password": password}, timeout=5))
            assert login.status_code == 200 and seconds < 1, seconds
            # The address keeps at most its limit; the rest were closed at once, and the ones held
            # are closed when their headers do not come.
            early = closed_by_server(attack, within=1.5)
            assert early >= 2000 - 512, early
            assert closed_by_server(attack, within=8) == 2000
            assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
        finally:
            for s in attack:
                s.close()
        assert "connections refused: the address holds its limit" in server.log_path.read_text()
    finally:
        assert server.stop() == 0


def test_a_stalled_upload_body_is_let_go_and_resumes_from_what_arrived(service):
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "0", "--idle-timeout", "3"])
    try:
        import socket
        token, exercise = course(server, service)
        auth = {"Authorization": f"Bearer {token}"}
        created = requests.post(server.url + "/api/v1/uploads", headers={
            **auth, **TUS, "Upload-Length": str(2 * MB), "Upload-Metadata": "exercise " + base64.b64encode(exercise.encode()).decode()})
        location = created.headers["Location"]
        data = os.urandom(2 * MB)
        host = urllib.parse.urlsplit(server.url)
        stalled = socket.create_connection((host.hostname, host.port))
        stalled.sendall((f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
                         f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {2 * MB}\r\n\r\n").encode())
        stalled.sendall(data[:MB])
        # The phone goes into a tunnel: nothing more comes. The server lets go after the idle timeout...
        assert closed_by_server([stalled], within=10) == 1
        stalled.close()
        # ...keeping what arrived (recorded as the broken request ends), so the client resumes from there.
        wait_for(lambda: int(requests.head(server.url + location, headers={**auth, **TUS}).headers["Upload-Offset"]) == MB, timeout=10)
        offset = MB
        done = requests.patch(server.url + location, data=data[offset:], headers={
            **auth, **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        assert done.status_code == 204 and done.headers["Upload-Offset"] == str(2 * MB)
    finally:
        assert server.stop() == 0


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_behind_a_trusted_proxy_limits_apply_to_each_client_not_the_proxy(service, tmp_path):
    if service["engine"] != "sqlite":
        pytest.skip("the proxy, not the database, is under test")
    import shutil
    if not shutil.which("haproxy"):
        pytest.fail("haproxy is not installed (scripts/test installs it)")
    server = Server(service["binary"], service["data"], service["env"],
                    extra=["--workers", "0", "--trusted-proxy", "127.0.0.1", "--connections-per-address", "4"])
    port = free_port()
    backend = urllib.parse.urlsplit(server.url)
    config = tmp_path / "haproxy.cfg"
    config.write_text(f"""
global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend front
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend steiger
backend steiger
    server one {backend.hostname}:{backend.port}
""")
    proxy = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        front = f"http://127.0.0.1:{port}"
        def up():
            try:
                return requests.get(front + "/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                assert proxy.poll() is None, proxy.stderr.read().decode()
                return False
        wait_for(up, timeout=10)
        # A client guessing passwords through the proxy is limited by its own address...
        guesses = [requests.post(front + "/api/v1/auth/login", json={"email": f"x{n}@example.org", "password": "wrong guess"},
                                 headers={"X-Forwarded-For": "203.0.113.7"}).status_code for n in range(21)]
        assert guesses[:20] == [401] * 20 and guesses[20] == 429, guesses
        # ...while another client behind the same proxy signs in.
        email, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        other = requests.post(front + "/api/v1/auth/login", json={"email": email, "password": password},
                              headers={"X-Forwarded-For": "198.51.100.20"})
        assert other.status_code == 200, other.text
        # The proxy's own connections are not limited as one address: many at once go through.
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda n: requests.get(front + "/healthz", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code,
                                     range(64)))
        assert statuses == [200] * 64
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        assert server.stop() == 0
