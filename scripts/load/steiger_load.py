"""A mixed day at Steiger for locust: learners sign in, browse their pages, upload short clips
with tus and wait for them to be processed, and read their feedback; trainers work the review
queue (claim, comment, score) and browse their pages.

The course is made at the start through the API with an administrator's token
(STEIGER_ADMIN_TOKEN); the clip is STEIGER_LOAD_CLIP. How long each upload waited for a worker
and its processing is reported as the request "upload → ready" of type JOB."""
import base64
import itertools
import os
import time

import requests
from locust import HttpUser, between, events, task

PASSWORD = "load test password"
LEARNERS, TRAINERS = int(os.environ.get("STEIGER_LOAD_LEARNERS", "40")), int(os.environ.get("STEIGER_LOAD_TRAINERS", "4"))
COURSE = {}
_learner_numbers, _trainer_numbers = itertools.count(), itertools.count()


@events.test_start.add_listener
def make_course(environment, **_):
    base = environment.host
    admin = {"Authorization": "Bearer " + os.environ["STEIGER_ADMIN_TOKEN"]}

    def post(path, body):
        answer = requests.post(base + path, json=body, headers=admin)
        assert answer.status_code == 201, (path, answer.status_code, answer.text)
        return answer.json()

    cohort = post("/api/v1/cohorts", {"name": "Load"})["id"]
    scale = [{"value": 1, "label": "Not yet"}, {"value": 2, "label": "Partly"}, {"value": 3, "label": "Fully"}]
    exercise = post("/api/v1/exercises", {
        "title": "Price objection", "instructions": "Answer the customer who finds it too expensive.", "skillKey": "objections",
        "cohorts": [cohort], "rubric": {"criteria": [{"key": "empathy", "title": "Empathy", "weight": 1, "scale": scale}]},
        "ladder": {"levels": [{"number": 0, "name": "Alone", "supports": []}]}})["id"]
    for part, count in (("learner", LEARNERS), ("trainer", TRAINERS)):
        for n in range(count):
            user = post("/api/v1/users", {"email": f"{part}{n}@load.example", "displayName": f"{part.title()} {n}",
                                          "roles": [part], "password": PASSWORD})["id"]
            answer = requests.put(f"{base}/api/v1/cohorts/{cohort}/members/{user}", json={"part": part}, headers=admin)
            assert answer.status_code == 200, answer.text
    COURSE.update(cohort=cohort, exercise=exercise, clip=open(os.environ["STEIGER_LOAD_CLIP"], "rb").read())


class Person(HttpUser):
    abstract = True

    def sign_in(self, email):
        answer = self.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, name="sign in")
        answer.raise_for_status()
        self.csrf = {"X-CSRF-Token": self.client.cookies.get("steiger_csrf")}


class Learner(Person):
    weight = LEARNERS
    wait_time = between(5, 15)

    def on_start(self):
        self.sign_in(f"learner{next(_learner_numbers) % LEARNERS}@load.example")
        self.attempts = []

    @task(4)
    def browse(self):
        self.client.get("/learn", name="page: learner home")
        self.client.get(f"/learn/exercises/{COURSE['exercise']}", name="page: exercise")
        if self.attempts:
            self.client.get(f"/learn/submissions/{self.attempts[-1]}", name="page: attempt")

    @task(3)
    def read_feedback(self):
        self.client.get("/api/v1/submissions?limit=20", name="api: my attempts")
        if self.attempts:
            self.client.get(f"/api/v1/submissions/{self.attempts[-1]}/annotations", name="api: feedback")
            self.client.get(f"/api/v1/submissions/{self.attempts[-1]}/reviews", name="api: reviews")

    @task(1)
    def upload(self):
        clip = COURSE["clip"]
        metadata = f"exercise {base64.b64encode(COURSE['exercise'].encode()).decode()},filename {base64.b64encode(b'take.mp4').decode()}"
        created = self.client.post("/api/v1/uploads", name="tus: create", headers={
            **self.csrf, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(clip)), "Upload-Metadata": metadata})
        if created.status_code != 201:
            return
        sent = self.client.patch(created.headers["Location"], data=clip, name="tus: send", headers={
            **self.csrf, "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        submission = sent.headers.get("Steiger-Submission")
        if sent.status_code != 204 or not submission:
            return
        self.attempts.append(submission)
        # The attempt page polls until the recording is ready: the time a worker took to get to it and process it.
        arrived = time.time()
        while time.time() - arrived < 300:
            media = self.client.get(f"/api/v1/submissions/{submission}/media", name="api: processing status").json()
            if media["status"] != "processing":
                ok = media["status"] == "ready"
                events.request.fire(request_type="JOB", name="upload → ready", response_time=(time.time() - arrived) * 1000,
                                    response_length=0, exception=None if ok else Exception(media.get("failureReason")),
                                    context={})
                return
            time.sleep(1)
        events.request.fire(request_type="JOB", name="upload → ready", response_time=300_000, response_length=0,
                            exception=Exception("not processed within 5 minutes"), context={})


class Trainer(Person):
    weight = TRAINERS
    wait_time = between(3, 10)

    def on_start(self):
        self.sign_in(f"trainer{next(_trainer_numbers) % TRAINERS}@load.example")

    @task(3)
    def browse(self):
        self.client.get("/train", name="page: review queue")
        self.client.get("/api/v1/review-queue", name="api: review queue")

    @task(1)
    def matrix(self):
        self.client.get(f"/train/exercises/{COURSE['exercise']}", name="page: scaffolding matrix")

    @task(3)
    def review(self):
        claimed = self.client.post("/api/v1/review-queue/claim", name="api: claim", headers=self.csrf)
        if claimed.status_code != 200:
            return
        held = claimed.json()
        self.client.get(f"/review/{held['id']}", name="page: review")
        notes = f"/api/v1/submissions/{held['submissionId']}/annotations"
        self.client.post(notes, json={"at": 1200, "text": "Warm greeting", "tag": "praise"}, name="api: comment", headers=self.csrf)
        self.client.post(notes, json={"from": 2000, "to": 4000, "text": "You rushed the price", "tag": "improve"}, name="api: comment",
                         headers=self.csrf)
        self.client.post(f"/api/v1/review-tasks/{held['id']}/review", json={"scores": {"empathy": 2}, "comment": "Good start."},
                         name="api: submit review", headers=self.csrf)
