"""A trainer's day with real processes: an uploaded attempt is processed, claimed from the queue,
commented on and scored; the exports are read by other tools (webvtt-py, the Web Annotation
model's required fields, Python's csv)."""
import csv
import io
import json

import requests
import webvtt

from conftest import FIXTURES
from test_serve import Server, admin_run
from test_uploads import course, service, upload_file, wait_for  # noqa: F401  (service is a fixture)

LABEL = "Yes"  # the top step of the course's one criterion


def test_review_and_exports(service):
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "1"])
    try:
        learner_token, exercise = course(server, service)
        learner = {"Authorization": f"Bearer {learner_token}"}
        admin = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()}
        cohort = requests.get(server.url + f"/api/v1/exercises/{exercise}", headers=admin).json()["cohorts"][0]
        trainer_id = requests.post(server.url + "/api/v1/users", headers=admin,
                                   json={"email": "tom@example.org", "displayName": "Tom", "roles": ["trainer"]}).json()["id"]
        requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{trainer_id}", json={"part": "trainer"}, headers=admin)
        trainer = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "tom@example.org").stdout.strip()}

        for attempt in range(2):
            submission, media_url = upload_file(server, learner, exercise, FIXTURES / "h264_aac.mp4")
            wait_for(lambda: requests.get(media_url, headers=learner).json()["status"] == "ready", timeout=120)
        task = requests.post(server.url + "/api/v1/review-queue/claim", headers=trainer)
        assert task.status_code == 200, task.text
        claimed = task.json()
        target = claimed["submissionId"]
        notes = f"{server.url}/api/v1/submissions/{target}/annotations"
        assert requests.post(notes, headers=trainer, json={"at": 1200, "text": "Warm greeting, <b>well</b> done", "tag": "praise"}).status_code == 201
        assert requests.post(notes, headers=trainer, json={"from": 2000, "to": 4500, "text": "Rushed\nhere", "tag": "improve"}).status_code == 201
        outside = requests.post(notes, headers=trainer, json={"at": 60000, "text": "Past the end"})
        assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "at"
        review = requests.post(f"{server.url}/api/v1/review-tasks/{claimed['id']}/review", headers=trainer,
                               json={"scores": {"empathy": 2}, "comment": "Good start."})
        assert review.status_code == 201 and review.json()["total"] == 1.0
        # The same score in words and points: the top step of two, all of the criterion's one point.
        breakdown = review.json()["breakdown"]
        assert [(line["label"], line["step"], line["steps"]) for line in breakdown["lines"]] == [(LABEL, 2, 2)]
        assert (breakdown["points"], breakdown["possible"]) == (1, 1)

        vtt = requests.get(f"{server.url}/api/v1/submissions/{target}/annotations.vtt", headers=learner)
        assert vtt.status_code == 200
        captions = webvtt.from_buffer(io.StringIO(vtt.text))
        assert [(c.start, c.end) for c in captions] == [("00:00:01.200", "00:00:04.200"), ("00:00:02.000", "00:00:04.500")]
        assert "Warm greeting" in captions[0].text and "Rushed" in captions[1].text

        jsonld = requests.get(f"{server.url}/api/v1/submissions/{target}/annotations.jsonld", headers=learner)
        assert jsonld.headers["Content-Type"].startswith("application/ld+json")
        collection = jsonld.json()
        assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld" and collection["type"] == "AnnotationCollection"
        assert collection["total"] == 2 and collection["first"]["type"] == "AnnotationPage"
        for item in collection["first"]["items"]:
            # The model's required parts: id, type Annotation, a target; here a body too.
            assert item["id"].startswith("http") and item["type"] == "Annotation" and item["target"] and item["body"]
            selector = item["target"]["selector"]
            assert selector["type"] == "FragmentSelector" and selector["conformsTo"] == "http://www.w3.org/TR/media-frags/"
            assert selector["value"] in ("t=1.2", "t=2,4.5")

        sheet = requests.get(f"{server.url}/api/v1/cohorts/{cohort}/exercises/{exercise}/scores.csv", headers=trainer)
        assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(sheet.text)))
        assert [(r["learner"], r["attempt"]) for r in rows] == [("Lea", "1"), ("Lea", "2")]
        reviewed = [r for r in rows if r["submission"] == target]
        assert reviewed[0]["empathy"] == "2" and reviewed[0]["total"] == "1.0000" and reviewed[0]["reviewer"] == "Tom"
        assert (reviewed[0]["percent"], reviewed[0]["points"], reviewed[0]["possible"], reviewed[0]["passed"]) == ("100", "1.0", "1.0", "yes")
        assert reviewed[0]["empathy label"] == LABEL
        assert requests.get(f"{server.url}/api/v1/cohorts/{cohort}/exercises/{exercise}/scores.csv", headers=learner).status_code == 403
    finally:
        assert server.stop() == 0
