"""The closing proficiency test and the result page: Lea sends her closing attempt; her trainer
Tom and her manager Mira review it; Mira opens Lea's result page from her team, with where Lea
started, what was withdrawn and the final scores, printable and as a PDF; Lea reads the same
page in Dutch."""
import requests
from selenium.webdriver.common.by import By

from test_serve import admin_run
from test_team import user_id
from test_web import (PASSWORD, WebDriverWait, add_trainer, browser, browser_nl, check_accessible, course, review_by_api, service,  # noqa: F401
                      settle, shoot, sign_in, upload_ready)


def test_a_closing_test_reviewed_by_trainer_and_manager_fills_the_result_page(service, browser, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    auth = {"Authorization": f"Bearer {admin}"}
    made = admin_run(service, "create-user", "--email", "mira@example.org", "--name", "Mira Manager", "--role", "manager",
                     "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    lea, mira = user_id(server, auth, "lea@example.org"), user_id(server, auth, "mira@example.org")
    assert requests.put(f"{server.url}/api/v1/users/{lea}/managers/{mira}", headers=auth).status_code == 200
    practice = requests.get(f"{server.url}/api/v1/exercises/{exercise}", headers=auth).json()
    assert requests.patch(f"{server.url}/api/v1/exercises/{exercise}", headers=auth, json={"review": {"peerReviewers": 0}}).status_code == 200
    for _ in range(2):
        upload_ready(service, exercise, "h264_aac.mp4")
        review_by_api(service, 3)
    closing = requests.post(server.url + "/api/v1/exercises", headers=auth, json={
        "title": "Closing test: price objection", "instructions": practice["instructions"], "skillKey": "objections",
        "cohorts": practice["cohorts"], "rubric": practice["rubric"], "ladder": practice["ladder"],
        "review": {"peerReviewers": 0, "closingTest": True}})
    assert closing.status_code == 201, closing.text
    upload_ready(service, closing.json()["id"], "h264_aac.mp4")
    review_by_api(service, 3)

    # Mira finds the closing test on her team page and reviews it.
    driver = browser
    sign_in(driver, server, "mira@example.org", PASSWORD)
    settle(driver, lambda d: d.current_url.endswith("/team"))
    box = driver.find_element(By.ID, "closing-tests")
    assert "Lea <b>Learner</b> — Closing test: price objection" in box.text, box.text
    box.find_element(By.TAG_NAME, "a").click()
    settle(driver, lambda d: "/review/" in d.current_url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.getElementById('player').readyState >= 1"))
    driver.find_element(By.CSS_SELECTOR, "input[name=empathy][value='2']").click()
    driver.find_element(By.ID, "overall").send_keys("Good, and I saw the same with Jansen last week.")
    driver.find_element(By.ID, "submit-review").click()
    WebDriverWait(driver, 10).until(lambda d: "submitted" in d.find_element(By.ID, "review-status").text)
    assert driver.find_element(By.ID, "back-to-queue").text == "Back to my team"

    # From her team she opens Lea's result page.
    driver.get(server.url + "/team")
    driver.find_element(By.CSS_SELECTOR, f"#member-{lea} .journey-link").click()
    settle(driver, lambda d: "/journey/" in d.current_url)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Results of Lea <b>Learner</b>"
    page = driver.find_element(By.TAG_NAME, "main").text
    assert "Started with Full support on" in page and "Model video and script withdrawn on" in page, page
    assert "from Tom Trainer (trainer)" in page and "from Mira Manager (manager)" in page, page
    check_accessible(driver)
    shoot(driver, "journey")
    # The PDF to file.
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    pdf = requests.get(driver.find_element(By.ID, "journey-pdf").get_attribute("href"), cookies=cookies)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")
    assert b"(Resultaten van Lea <b>Learner</b>) Tj" in pdf.content  # no Accept-Language: the service speaks Dutch

    # Lea reads her results in Dutch.
    nl = browser_nl
    sign_in(nl, server, "lea@example.org", PASSWORD)
    nl.get(server.url + "/learn")
    nl.find_element(By.ID, "my-journey").click()
    settle(nl, lambda d: "/journey/" in d.current_url)
    assert nl.find_element(By.TAG_NAME, "h1").text == "Resultaten van Lea <b>Learner</b>"
    assert "van Mira Manager (leidinggevende)" in nl.find_element(By.TAG_NAME, "main").text
    check_accessible(nl)
    shoot(nl, "journey-nl")
