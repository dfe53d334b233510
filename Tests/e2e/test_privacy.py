"""Privacy by design in the browser: a learner keeps a practice take to herself, shares another in
her group's library with her consent, a classmate watches it there, and it is gone from the
library the moment she takes her consent back."""
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready

from conftest import FIXTURES
from test_serve import admin_run
from test_web import (PASSWORD, WebDriverWait, add_person, browser, check_accessible, course, service, settle, shoot,  # noqa: F401
                      sign_in, signed_in_session)


def send(driver, server, exercise, audience_label):
    """Lea chooses who may watch, sends the fixture and waits on her attempt's page until it plays."""
    driver.get(f"{server.url}/learn/exercises/{exercise}")
    choice = driver.find_element(By.ID, "audience-choice")
    choice.find_element(By.XPATH, f".//label[contains(., '{audience_label}')]/input").click()
    driver.find_element(By.ID, "file").send_keys(str(FIXTURES / "h264_aac.mp4"))
    driver.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    WebDriverWait(driver, 30).until(ready.url_contains("/learn/submissions/"))
    WebDriverWait(driver, 120).until(lambda d: d.find_element(By.ID, "player").is_displayed())
    return driver.current_url.rsplit("/", 1)[1]


def test_a_learner_practises_privately_shares_another_take_with_consent_and_a_classmate_watches_it(service, browser):
    server = service["server"]
    exercise, admin = course(service)
    add_person(service, admin, "piet@example.org", "Piet", "learner")
    # The exercise lets learners share in the group's library; no peer reviews.
    changed = requests.patch(f"{server.url}/api/v1/exercises/{exercise}", headers={"Authorization": f"Bearer {admin}"},
                             json={"review": {"peerReviewers": 0, "cohortLibrary": True}})
    assert changed.status_code == 200, changed.text
    driver = browser
    sign_in(driver, server, "lea@example.org", PASSWORD)

    # A rehearsal first, for her eyes only.
    driver.get(f"{server.url}/learn/exercises/{exercise}")
    choice = driver.find_element(By.ID, "audience-choice")
    assert "Who may watch this attempt?" in choice.text and "Only me (practice)" in choice.text and "My trainers" in choice.text
    assert "library" not in choice.text  # consent is asked on the recording itself, once it is made
    check_accessible(driver)
    shoot(driver, "exercise-audience")
    practice = send(driver, server, exercise, "Only me (practice)")
    assert driver.find_element(By.ID, "audience-now").text == "Now: Only me (practice)."
    driver.get(f"{server.url}/learn/exercises/{exercise}")
    assert "Attempt 1 (practice)" in driver.find_element(By.CSS_SELECTOR, "ol.attempts").text
    # Nobody else can open it: not Piet, not the administrator (who may only see that it exists and its size).
    piet = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "piet@example.org").stdout.strip()}
    assert requests.get(f"{server.url}/api/v1/submissions/{practice}/media/rendition", headers=piet).status_code == 404
    boss = {"Authorization": f"Bearer {admin}"}
    assert requests.get(f"{server.url}/api/v1/submissions/{practice}", headers=boss).json()["size"] > 1000
    assert requests.get(f"{server.url}/api/v1/submissions/{practice}/media/rendition", headers=boss).status_code == 403

    # The real take goes to her trainers; then she shares it in the library as an example.
    shared = send(driver, server, exercise, "My trainers")
    card = driver.find_element(By.ID, "audience")
    assert "Now: My trainers." in card.text
    card.find_element(By.XPATH, ".//label[contains(., 'library of examples')]/input").click()
    driver.find_element(By.ID, "audience-save").click()
    # Without ticking her agreement nothing changes, and she is told why.
    settle(driver, lambda d: d.find_elements(By.ID, "audience-error"))
    assert "tick the box" in driver.find_element(By.ID, "audience-error").text
    assert "Now: My trainers." in driver.find_element(By.ID, "audience").text
    driver.find_element(By.XPATH, "//label[contains(., 'library of examples')]/input").click()
    driver.find_element(By.ID, "consent").click()
    driver.find_element(By.ID, "share-feedback").click()
    driver.find_element(By.ID, "audience-save").click()
    settle(driver, lambda d: d.find_elements(By.ID, "audience-message"))
    card = driver.find_element(By.ID, "audience")
    assert "Now: Also my group's library of examples." in card.text and "It is in the library now" in card.text
    card.find_element(By.CSS_SELECTOR, "details.consents summary").click()
    assert "you agreed — “I agree that everyone in my group may watch this recording as an example" in card.text
    check_accessible(driver)
    shoot(driver, "attempt-audience")

    # Piet finds it among the examples and watches it, with the feedback she shared.
    driver.delete_all_cookies()
    sign_in(driver, server, "piet@example.org", PASSWORD)
    driver.find_element(By.LINK_TEXT, "Examples").click()
    examples = driver.find_element(By.ID, "examples")
    assert "Price objection" in examples.text and "Lea" in examples.text
    assert len(examples.find_elements(By.CSS_SELECTOR, "li.example")) == 1  # the practice take is not there
    check_accessible(driver)
    shoot(driver, "examples")
    examples.find_element(By.LINK_TEXT, "Watch").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "player").is_displayed())
    driver.execute_script("const v = document.getElementById('player'); v.muted = true; v.play();")
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.getElementById('player').currentTime > 0.5"))
    assert driver.find_elements(By.CSS_SELECTOR, ".reply-open") == []  # he watches; only reviewers answer
    check_accessible(driver)
    shoot(driver, "example")
    example_page = driver.current_url
    # The browser asked for the video several times; the audit log has Piet's viewing once.
    watched = requests.get(f"{server.url}/api/v1/audit?action=recording.watched&subject={shared}", headers=boss).json()["items"]
    assert [(line["actorName"], line["ownerName"]) for line in watched] == [("Piet", "Lea <b>Learner</b>")], watched

    # Lea takes her consent back: the example is gone for Piet at once, its video too.
    lea = signed_in_session(server, "lea@example.org", PASSWORD)
    back = lea.post(f"{server.url}/learn/submissions/{shared}/audience",
                    data={"_csrf": lea.cookies["steiger_csrf"], "audience": "trainers"}, allow_redirects=False)
    assert back.status_code == 303, back.text
    assert requests.get(f"{server.url}/api/v1/submissions/{shared}/media/rendition", headers=piet).status_code == 404
    driver.get(example_page)
    assert "Lea" not in driver.find_element(By.TAG_NAME, "main").text
    driver.get(server.url + "/learn/examples")
    assert driver.find_element(By.ID, "no-examples").text.startswith("Nobody has shared an attempt yet")
    consents = requests.get(f"{server.url}/api/v1/submissions/{shared}/consents", headers=boss).json()["items"]
    assert len(consents) == 1 and consents[0]["withdrawnAt"] and consents[0]["withFeedback"] is True
