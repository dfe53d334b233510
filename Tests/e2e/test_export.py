"""The right of access, as a learner uses it: Lea, who reads Dutch, asks on her data page for
everything Steiger holds about her, is told by a notice when it is ready, downloads one ZIP whose
every file opens (WebVTT, JSON, CSV, her recording) with a README in Dutch, and finds the link
spent when she tries it a second time."""
import csv
import io
import json
import zipfile

import requests
import webvtt
from selenium.webdriver.common.by import By

from test_retention import review, send, token
from test_web import (PASSWORD, WebDriverWait, add_trainer, browser_nl, check_accessible, course, service, settle,  # noqa: F401
                      shoot, sign_in)


def test_a_learner_downloads_all_her_data_once_and_every_file_opens(service, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    lea, tom = token(service, "lea@example.org"), token(service, "tom@example.org")
    send(server, lea, exercise, "h264_aac.mp4")
    review(server, tom, "Goede opening")

    driver = browser_nl
    sign_in(driver, server, "lea@example.org", PASSWORD)
    driver.get(server.url + "/notifications")
    driver.find_element(By.ID, "my-data-link").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Mijn gegevens"
    driver.find_element(By.CSS_SELECTOR, "#request-export button").click()
    settle(driver, lambda d: d.find_elements(By.ID, "data-message"))
    assert "wordt klaargezet" in driver.find_element(By.ID, "exports").text

    # A notice tells her when it is ready; it leads back to the page with the download.
    WebDriverWait(None, 60, poll_frequency=0.5).until(
        lambda _: any(n["kind"] == "export.ready" for n in requests.get(server.url + "/api/v1/me/notifications", headers=lea).json()["items"]))
    driver.get(server.url + "/notifications")
    driver.find_element(By.XPATH, "//a[contains(., 'klaar om te downloaden')]").click()
    settle(driver, lambda d: d.find_elements(By.ID, "download-export"))
    assert "klaar tot" in driver.find_element(By.ID, "exports").text
    check_accessible(driver)
    shoot(driver, "settings-data-nl")

    link = driver.find_element(By.ID, "download-export").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    reply = requests.get(link, cookies=cookies)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/zip", reply.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(reply.content))
    names = archive.namelist()
    assert {"README.txt", "account.json", "scores.csv", "scaffolding.txt", "scaffolding.json"} <= set(names), names

    readme = archive.read("README.txt").decode()
    assert "Al uw gegevens in Steiger" in readme and "Opnames in dit archief: 1" in readme
    account = json.loads(archive.read("account.json"))
    assert account["email"] == "lea@example.org" and account["cohorts"] == ["Spring"]
    rows = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode())))
    assert len(rows) == 1 and rows[0]["exercise"] == "Price objection" and rows[0]["scores"] == "empathy=3", rows
    history = json.loads(archive.read("scaffolding.json"))
    assert history and all({"exercise", "at", "levelBefore", "levelAfter", "outcome"} <= set(step) for step in history)
    assert archive.read("scaffolding.txt").decode().startswith("Hoe uw ondersteuning veranderde")
    vtt = next(name for name in names if name.endswith("comments.vtt"))
    cues = webvtt.from_buffer(io.StringIO(archive.read(vtt).decode()))
    assert any(cue.text == "Tom Trainer: Goede opening" for cue in cues), [cue.text for cue in cues]
    annotations = json.loads(archive.read(vtt.replace("comments.vtt", "comments.jsonld")))
    assert annotations["type"] == "AnnotationCollection" and annotations["first"]["items"][0]["target"]["selector"]["value"].startswith("t=")
    recording = next(name for name in names if "/recording" in name)
    assert archive.read(recording)[4:8] == b"ftyp"

    # The link works once.
    again = requests.get(link, cookies=cookies)
    assert again.status_code == 410, again.text
    driver.refresh()
    assert "gedownload op" in driver.find_element(By.ID, "exports").text and not driver.find_elements(By.ID, "download-export")
