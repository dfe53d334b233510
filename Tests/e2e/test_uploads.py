"""Uploads and processing with a real server, real worker processes and real clients: tuspy
(interrupted and resumed), a connection dropped mid-chunk, a worker killed with SIGKILL mid-job,
and a browser-style seek into the rendition."""
import hashlib
import http.client
import os
import re
import signal
import subprocess
import time
import urllib.parse

import pytest
import requests
from tusclient import client as tus

from test_serve import ENGINES, Server, admin_run, fresh_database_url
from conftest import ROOT


@pytest.fixture(params=ENGINES)
def service(request, tmp_path):
    env = dict(os.environ)
    env.pop("STEIGER_DATABASE_URL", None)
    url = fresh_database_url(request.param)
    if url:
        env["STEIGER_DATABASE_URL"] = url
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    return {"binary": binary, "data": tmp_path / "data", "env": env, "engine": request.param, "tmp": tmp_path}


def course(server, service):
    """A cohort, a learner in it and an exercise assigned to it; returns (learner token, exercise id)."""
    admin = admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()
    auth = {"Authorization": f"Bearer {admin}"}
    cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": "Spring"}, headers=auth).json()["id"]
    learner = requests.post(server.url + "/api/v1/users", headers=auth,
                            json={"email": "lea@example.org", "displayName": "Lea", "roles": ["learner"]}).json()["id"]
    assert requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{learner}", json={"part": "learner"}, headers=auth).status_code == 200
    exercise = requests.post(server.url + "/api/v1/exercises", headers=auth, json={
        "title": "Price objection", "instructions": "Answer the customer.", "skillKey": "objections", "cohorts": [cohort],
        "rubric": {"criteria": [{"key": "empathy", "title": "Empathy", "weight": 1,
                                 "scale": [{"value": 1, "label": "No"}, {"value": 2, "label": "Yes"}]}]},
        "ladder": {"levels": [{"number": 0, "name": "Alone", "supports": []}]},
    }).json()["id"]
    token = admin_run(service, "create-token", "--email", "lea@example.org").stdout.strip()
    return token, exercise


def wait_for(predicate, timeout=120, every=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def test_tus_upload_interrupted_and_resumed_arrives_whole(service):
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "1"])
    try:
        token, exercise = course(server, service)
        auth = {"Authorization": f"Bearer {token}"}
        data = os.urandom(3_000_000)
        path = service["tmp"] / "take.mp4"
        path.write_bytes(data)
        uploads = tus.TusClient(server.url + "/api/v1/uploads", headers=auth)
        first = uploads.uploader(str(path), chunk_size=1_000_000, metadata={"exercise": exercise, "filename": "take.mp4"})
        first.upload_chunk()
        assert first.offset == 1_000_000
        location = urllib.parse.urlsplit(first.url).path

        # The connection drops in the middle of the next chunk.
        host = urllib.parse.urlsplit(server.url)
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        connection.putrequest("PATCH", location)
        for name, value in {"Authorization": auth["Authorization"], "Tus-Resumable": "1.0.0", "Upload-Offset": "1000000",
                            "Content-Type": "application/offset+octet-stream", "Content-Length": "1000000"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(data[1_000_000:1_400_000])
        time.sleep(0.3)
        connection.sock.close()

        def offset():
            head = requests.head(server.url + location, headers={**auth, "Tus-Resumable": "1.0.0"})
            return int(head.headers["Upload-Offset"])
        # What arrived is kept.
        wait_for(lambda: offset() > 1_000_000, timeout=15)
        kept = offset()
        assert 1_000_000 < kept <= 1_400_000

        # Another learner cannot see or write it.
        admin = admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()
        other = requests.head(server.url + location, headers={"Authorization": f"Bearer {admin}", "Tus-Resumable": "1.0.0"})
        assert other.status_code == 404

        # A new uploader (as after the app restarted) asks the server and resumes from there.
        resumed = uploads.uploader(str(path), chunk_size=1_000_000, url=first.url)
        assert resumed.offset == kept
        resumed.upload()
        head = requests.head(server.url + location, headers={**auth, "Tus-Resumable": "1.0.0"})
        submission = head.headers["Steiger-Submission"]
        media = requests.get(f"{server.url}/api/v1/submissions/{submission}/media", headers=auth).json()
        assert media["sha256"] == hashlib.sha256(data).hexdigest() and media["size"] == len(data)
        # Random bytes are not a recording: processing ends failed, with a reason.
        final = wait_for(lambda: (m := requests.get(f"{server.url}/api/v1/submissions/{submission}/media", headers=auth).json())["status"] == "failed" and m)
        assert final["failureReason"] and final["failureCode"] in ("notMedia", "unsupportedContainer", "corrupt"), final
        # An offset that does not match is refused.
        stale = requests.patch(server.url + location, data=b"x", headers={**auth, "Tus-Resumable": "1.0.0", "Upload-Offset": "5",
                                                                          "Content-Type": "application/offset+octet-stream"})
        assert stale.status_code == 409
    finally:
        assert server.stop() == 0


def make_slow_video(path):
    """20 s of 720p MPEG-4 Part 2 in AVI: not web-safe, so it is transcoded (several seconds of work)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=44100", "-t", "20", "-c:v", "mpeg4", "-q:v", "4", "-c:a", "mp3", str(path)],
                   check=True)


def upload_file(server, auth, exercise, path):
    """One streaming POST of a file; returns the submission's id and its media-status URL."""
    with open(path, "rb") as body:
        made = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename={path.name}", data=body,
                             headers={**auth, "Content-Type": "application/octet-stream"})
    assert made.status_code == 201, made.text
    submission = made.json()["id"]
    return submission, f"{server.url}/api/v1/submissions/{submission}/media"


def test_a_worker_killed_mid_job_is_replaced_and_the_job_retried(service):
    video = service["tmp"] / "archive.avi"
    make_slow_video(video)
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "1", "--job-lease", "3"])
    try:
        token, exercise = course(server, service)
        auth = {"Authorization": f"Bearer {token}"}
        _, media_url = upload_file(server, auth, exercise, video)
        wait_for(lambda: requests.get(media_url, headers=auth).json()["step"] == "rendition", timeout=60, every=0.1)
        workers = subprocess.run(["pgrep", "-P", str(server.process.pid), "-f", "steiger worker"], capture_output=True, text=True).stdout.split()
        assert workers, "no worker processes under the server"
        for pid in workers:
            os.kill(int(pid), signal.SIGKILL)
        # The server keeps answering while its worker is gone and replaced.
        for _ in range(10):
            assert requests.get(server.url + "/healthz", timeout=2).status_code == 200
            time.sleep(0.1)
        final = wait_for(lambda: (m := requests.get(media_url, headers=auth).json())["status"] in ("ready", "failed") and m, timeout=180)
        assert final["status"] == "ready", final
        assert final["renditionType"] == "video/mp4"

        # A browser-style request for the rendition: the whole file, then a seek into the middle.
        rendition = requests.get(server.url + final["rendition"], headers=auth)
        assert rendition.status_code == 200 and rendition.headers["Accept-Ranges"] == "bytes"
        whole = rendition.content
        middle = len(whole) // 2
        seek = requests.get(server.url + final["rendition"], headers={**auth, "Range": f"bytes={middle}-"})
        assert seek.status_code == 206 and seek.content == whole[middle:]
        assert seek.headers["Content-Range"] == f"bytes {middle}-{len(whole) - 1}/{len(whole)}"
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", "-"],
                               input=whole, capture_output=True)
        assert abs(float(probe.stdout) - 20) < 0.2
    finally:
        assert server.stop() == 0
    assert '"attempt":"2"' in server.logs, "the job was not retried"
    assert "worker exited; restarting" in server.logs


def test_a_job_that_runs_past_its_deadline_is_retried_then_fails_with_a_reason(service):
    video = service["tmp"] / "archive.avi"
    make_slow_video(video)
    # A one-second deadline: every attempt's worker gives up and exits; after three the job fails.
    server = Server(service["binary"], service["data"], service["env"],
                    extra=["--workers", "1", "--job-lease", "2", "--job-deadline", "1"])
    try:
        token, exercise = course(server, service)
        auth = {"Authorization": f"Bearer {token}"}
        _, media_url = upload_file(server, auth, exercise, video)
        final = wait_for(lambda: (m := requests.get(media_url, headers=auth).json())["status"] != "processing" and m, timeout=180)
        assert final["status"] == "failed" and final["failureCode"] == "gaveUp", final
        # The reason reads in the caller's language.
        english = requests.get(media_url, headers={**auth, "Accept-Language": "en"}).json()["failureReason"]
        dutch = requests.get(media_url, headers={**auth, "Accept-Language": "nl"}).json()["failureReason"]
        # The server's trouble, told as such: not "your recording may be damaged".
        assert final["failureKind"] == "server", final
        assert english.startswith("The server could not finish processing") and "nothing you did" in english, english
        assert dutch.startswith("De server kon de verwerking") and "niet door iets wat jij deed" in dutch, dutch
        assert requests.get(server.url + "/readyz").status_code == 200
        # The administrator sees it counted as the server's trouble, with whose attempt it was.
        email, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        admin = requests.Session()
        assert admin.post(server.url + "/api/v1/auth/login", json={"email": email, "password": password}).status_code == 200
        page = admin.get(server.url + "/admin", headers={"Accept-Language": "en"}).text
        assert "Failed processing: 1 because of the server" in page and "0 because of the recording" in page, page
        assert "Lea" in page and "The server could not finish processing" in page
    finally:
        assert server.stop() == 0
    assert server.logs.count("passed its deadline") == 3
