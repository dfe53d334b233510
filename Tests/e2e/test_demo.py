"""`steiger serve --demo` on a fresh data directory: the sample programme is there to try, every
one of its pages renders, its attempts play with the trainer's feedback, and one button on the
administration page removes it all again."""
import os
import re
import time

import requests
from selenium.webdriver.common.by import By

from conftest import FIXTURES, ROOT
from test_serve import Server
from test_web import WebDriverWait, browser, check_accessible, settle, shoot, sign_in  # noqa: F401


def test_a_fresh_install_with_the_sample_programme_to_try_and_remove(tmp_path, browser):
    env = dict(os.environ)
    env.pop("STEIGER_DATABASE_URL", None)
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    data = tmp_path / "data"
    server = Server(binary, data, env, extra=["--workers", "1", "--default-language", "en", "--demo",
                                               "--demo-video", str(FIXTURES / "h264_aac.mp4")])
    try:
        accounts = data / "sample-accounts.txt"
        deadline = time.time() + 60
        while not accounts.exists() and time.time() < deadline:
            time.sleep(0.2)
        text = accounts.read_text()
        password = re.search(r"password (\S+) as", text).group(1)
        trainer = re.search(r"trainer: (\S+)", text).group(1)
        learners = re.search(r"learners: (.+)", text).group(1).split(", ")
        assert len(learners) == 3 and "administration page" in text
        # The trainer reviews two attempts once they are processed.
        session = requests.Session()
        assert session.post(server.url + "/api/v1/auth/login", json={"email": trainer, "password": password}).status_code == 200
        WebDriverWait(None, 180, poll_frequency=1).until(
            lambda _: len(session.get(server.url + "/api/v1/review-queue/attempts?mine=true").json()["items"]) == 2)

        driver = browser
        # The first learner: the exercise with its model video from the library, and their reviewed attempt playing.
        sign_in(driver, server, learners[0], password)
        driver.get(server.url + "/learn")
        driver.find_element(By.CSS_SELECTOR, "main a[href^='/learn/exercises/']").click()
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.querySelector('video.model'); return v && v.duration > 0"))
        check_accessible(driver)
        shoot(driver, "demo-exercise")
        driver.find_element(By.CSS_SELECTOR, "ol.attempts a").click()
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("const v = document.getElementById('player'); return !!v && v.duration > 0"))
        settle(driver, lambda d: "you let the customer finish" in d.find_element(By.ID, "annotations").text)
        assert "100 %" in driver.find_element(By.ID, "reviews").text
        shoot(driver, "demo-feedback")

        # The trainer: both reviews in "reviewed by me", each attempt opening again.
        driver.delete_all_cookies()
        sign_in(driver, server, trainer, password)
        for path in ("/train", "/train/attempts", "/train/attempts?show=mine", "/library"):
            driver.get(server.url + path)
            assert driver.find_element(By.TAG_NAME, "h1").text
        assert len(driver.find_elements(By.CSS_SELECTOR, "#library-items li")) == 1
        driver.get(server.url + "/train/attempts?show=mine")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")) == 2
        driver.find_element(By.CSS_SELECTOR, "#attempts tbody tr button").click()
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.getElementById('player'); return !!v && v.duration > 0"))
        assert "You sent this review" in driver.find_element(By.ID, "sent-line").text
        # The third attempt waits in the queue; the matrix and each learner's timeline render.
        driver.get(server.url + "/train")
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")) == 1
        driver.find_element(By.CSS_SELECTOR, "main a[href^='/train/exercises/']").click()
        settle(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr"))
        rows = driver.find_elements(By.CSS_SELECTOR, "table.matrix tbody tr")
        assert len(rows) == 3 and sum("not reviewed yet" in row.text for row in rows) == 1, [row.text for row in rows]
        shoot(driver, "demo-matrix")
        rows[0].find_element(By.TAG_NAME, "a").click()
        settle(driver, lambda d: d.find_elements(By.ID, "attempt-scores"))
        assert len(driver.find_elements(By.CSS_SELECTOR, "ol.attempt-scores li")) == 1
        shoot(driver, "demo-timeline")

        # The administrator removes it in one step: its people can no longer sign in.
        email, admin_password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
        driver.delete_all_cookies()
        sign_in(driver, server, email, admin_password)
        driver.get(server.url + "/admin")
        assert "Sample: customer service, spring group" in driver.find_element(By.ID, "cohort-list").text
        check_accessible(driver)
        shoot(driver, "demo-admin")
        driver.find_element(By.ID, "demo-remove").click()
        settle(driver, lambda d: "removed" in d.find_element(By.ID, "admin-message").text)
        assert "Sample" not in driver.find_element(By.ID, "cohort-list").text
        assert driver.find_element(By.ID, "demo-load").is_displayed()  # it can be loaded again
        assert requests.post(server.url + "/api/v1/auth/login", json={"email": trainer, "password": password}).status_code == 401
        # In Dutch, the sample programme is a Dutch one.
        driver.get(server.url + "/admin")
        driver.find_element(By.CSS_SELECTOR, "form.language button[value=nl]").click()
        settle(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl")
        driver.find_element(By.ID, "demo-load").click()
        settle(driver, lambda d: "Voorbeeld: klantenservice, voorjaarsgroep" in d.find_element(By.ID, "cohort-list").text, timeout=60)
        shoot(driver, "demo-admin-nl")
    finally:
        server.stop()
