"""How long recordings are kept, as an administrator sets it and a learner lives it: the
organisation keeps videos for 30 days after their review, a colleague's recordings stand under a
legal hold, and forty days later the daily run removes Lea's video, keeps her feedback and tells
her on her attempt's page when and under which policy, in her language. Nothing else in storage
changes by a single byte."""
import datetime
import hashlib

import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from conftest import FIXTURES
from test_people import first_admin, submit
from test_serve import Server, admin_run
from test_web import (PASSWORD, WebDriverWait, add_person, add_trainer, browser, browser_nl, check_accessible, course,  # noqa: F401
                      service, settle, shoot, sign_in)


def blobs(data):
    """Every blob of the media store, by name, with the SHA-256 of its bytes now."""
    root = data / "media"
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.rglob("*") if path.is_file() and len(path.name) == 64 and "tmp" not in path.relative_to(root).parts}


def send(server, auth, exercise, fixture):
    """An attempt sent through the API, once it is ready for review."""
    made = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename={fixture}", headers=auth,
                         data=(FIXTURES / fixture).read_bytes())
    assert made.status_code == 201, made.text
    submission = made.json()["id"]
    WebDriverWait(None, 120, poll_frequency=0.5).until(
        lambda _: requests.get(f"{server.url}/api/v1/submissions/{submission}", headers=auth).json()["status"] == "ready")
    return submission


def review(server, tom, comment):
    """Tom claims the next attempt, comments at 1.5 s and scores it."""
    task = requests.post(server.url + "/api/v1/review-queue/claim", headers=tom).json()
    made = requests.post(f"{server.url}/api/v1/submissions/{task['submissionId']}/annotations", headers=tom,
                         json={"text": comment, "at": 1500})
    assert made.status_code == 201, made.text
    sent = requests.post(f"{server.url}/api/v1/review-tasks/{task['id']}/review", headers=tom, json={"scores": {"empathy": 3}})
    assert sent.status_code == 201, sent.text


def text_of(driver, element_id):
    """The text of an element, or nothing while the page is being replaced."""
    try:
        return driver.find_element(By.ID, element_id).text
    except WebDriverException:
        return ""


def token(service, email):
    return {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", email).stdout.strip()}


def test_videos_go_after_the_set_days_with_the_feedback_kept_and_a_legal_hold_keeps_a_colleagues(service, browser, browser_nl):
    server = service["server"]
    email, password = first_admin(server)
    exercise, admin = course(service)
    add_trainer(service, admin)
    add_person(service, admin, "piet@example.org", "Piet", "learner")
    lea, piet, tom = token(service, "lea@example.org"), token(service, "piet@example.org"), token(service, "tom@example.org")
    lea_attempt = send(server, lea, exercise, "h264_aac.mp4")
    review(server, tom, "Good opening")
    piet_attempt = send(server, piet, exercise, "vp9_opus.webm")
    review(server, tom, "Clear next step")

    # The administrator decides: videos go 30 days after their review.
    driver = browser
    sign_in(driver, server, email, password)
    driver.get(server.url + "/admin")
    assert "Now: kept until removed by hand." in driver.find_element(By.ID, "retention-title").find_element(By.XPATH, "..").text
    driver.find_element(By.ID, "retention-link").click()
    driver.find_element(By.XPATH, "//form[@id='organisation-policy']//label[contains(., 'Remove them after')]/input").click()
    driver.find_element(By.ID, "organisation-days").send_keys("30")
    driver.find_element(By.XPATH, "//form[@id='organisation-policy']//label[contains(., 'the last review')]/input").click()
    submit(driver, "organisation-policy")
    settle(driver, lambda d: "Now: kept 30 days after the review." in d.find_element(By.ID, "policy-now").text)
    assert "would remove: 0" in driver.find_element(By.ID, "retention-preview").text
    check_accessible(driver)
    shoot(driver, "admin-retention")

    # Piet's recordings are wanted for a works council's inquiry: a legal hold on him.
    piet_id = next(u["id"] for u in requests.get(server.url + "/api/v1/users?limit=200", headers=token(service, email)).json()["items"]
                   if u["email"] == "piet@example.org")
    driver.get(f"{server.url}/admin/people/{piet_id}")
    driver.find_element(By.ID, "hold-reason").send_keys("Works council inquiry 12")
    submit(driver, "place-hold")
    settle(driver, lambda d: "A legal hold stands since" in d.find_element(By.ID, "legal-hold").text)
    assert "Works council inquiry 12" in driver.find_element(By.ID, "hold-state").text
    shoot(driver, "person-legal-hold")
    before = blobs(service["data"])
    assert len(before) >= 6, "both attempts' originals, renditions and posters"

    # Forty days on.
    server.stop()
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "1", "--clock-start", later])
    service["server"] = server
    try:
        sign_in(driver, server, email, password)
        driver.get(server.url + "/admin/retention")
        preview = driver.find_element(By.ID, "retention-preview").text
        assert "would remove: 1" in preview and "Kept by a legal hold: 1" in preview, preview
        driver.execute_script("window.confirm = () => true")
        submit(driver, "run-retention")
        WebDriverWait(driver, 20).until(lambda d: "1 removed" in text_of(d, "retention-last"))
        assert "1 kept by a legal hold" in driver.find_element(By.ID, "retention-last").text
        shoot(driver, "admin-retention-ran")

        # Only Lea's video went; every other blob is as it was, byte for byte.
        lea_media = requests.get(f"{server.url}/api/v1/submissions/{lea_attempt}/media", headers={**lea, "Accept-Language": "en"}).json()
        assert lea_media["rendition"] is None and "kept 30 days after the review" in lea_media["removed"]
        after = blobs(service["data"])
        gone = set(before) - set(after)
        assert gone and not set(after) - set(before)
        assert all(after[name] == sha for name, sha in before.items() if name not in gone)
        assert requests.get(f"{server.url}/api/v1/submissions/{lea_attempt}/media/rendition", headers=lea).status_code == 410
        assert requests.get(f"{server.url}/api/v1/submissions/{piet_attempt}/media/rendition", headers=piet).status_code == 200

        # The audit log says what went, and that the run ran.
        driver.get(server.url + "/admin/audit")
        log = driver.find_element(By.TAG_NAME, "main").text
        assert "removed a recording's video" in log and "ran the retention job" in log and "placed a legal hold" in log

        # Lea opens her attempt: the video is gone with a note of when and why; the feedback stands.
        driver.delete_all_cookies()
        sign_in(driver, server, "lea@example.org", PASSWORD)
        driver.get(f"{server.url}/learn/submissions/{lea_attempt}")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "media-removed").is_displayed())
        note = driver.find_element(By.ID, "media-removed").text
        assert "The video was removed on" in note and "organisation's retention policy (kept 30 days after the review)" in note
        assert not driver.find_element(By.ID, "player").is_displayed()
        WebDriverWait(driver, 20).until(lambda d: "Good opening" in d.find_element(By.ID, "feedback").text)
        # The comment keeps its moment, written out, but nothing offers to play a video that is gone.
        moment = driver.find_element(By.CSS_SELECTOR, "#annotations li .seek")
        assert moment.tag_name == "span" and moment.text == "0:01", (moment.tag_name, moment.text)
        assert not driver.find_elements(By.CSS_SELECTOR, "#annotations button.seek")
        check_accessible(driver)
        shoot(driver, "attempt-media-removed")

        # And in Dutch, as she usually reads it.
        sign_in(browser_nl, server, "lea@example.org", PASSWORD)
        browser_nl.get(f"{server.url}/learn/submissions/{lea_attempt}")
        WebDriverWait(browser_nl, 20).until(lambda d: d.find_element(By.ID, "media-removed").is_displayed())
        assert "De video is op" in browser_nl.find_element(By.ID, "media-removed").text
        WebDriverWait(browser_nl, 20).until(lambda d: "Good opening" in d.find_element(By.ID, "feedback").text)
        shoot(browser_nl, "attempt-media-removed-nl")
    finally:
        server.stop()
