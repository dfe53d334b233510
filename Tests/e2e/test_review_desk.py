"""A trainer at the review desk, in a real browser: opening a particular learner's attempt from
the lists rather than the oldest first, reviewing with the keyboard alone (Enter sends a
comment), changing a score after sending, and moving on with "next attempt"."""
import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready

from test_web import (DESKTOP, PHONE, PASSWORD, WebDriverWait, add_trainer, browser, browser_nl, check_accessible, course, service,  # noqa: F401
                      settle, shoot, sign_in, upload_ready)


def press(driver, *keys):
    ActionChains(driver).send_keys(*keys).perform()


def tab_to(driver, test, limit=60):
    """Presses Tab until the focused element passes `test` (as a person with a keyboard would)."""
    for _ in range(limit):
        press(driver, Keys.TAB)
        if test(driver.switch_to.active_element):
            return driver.switch_to.active_element
    raise AssertionError("Tab never reached the control")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_trainer_opens_lea_s_latest_attempt_reviews_it_by_keyboard_changes_the_score_and_moves_on(service, browser, screen):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    first, _ = upload_ready(service, exercise, "sparse_keyframes.mp4")
    latest, learner = upload_ready(service, exercise, "h264_aac.mp4")
    driver = browser
    driver.set_window_size(*screen)  # at her desk, and on the train with her phone

    # Tom has reviewed nothing yet; among all attempts of his cohort he narrows to waiting ones.
    sign_in(driver, server, "tom@example.org", PASSWORD)
    driver.get(server.url + "/train")
    driver.find_element(By.ID, "reviewed-by-me").click()
    settle(driver, lambda d: d.find_element(By.ID, "no-attempts").is_displayed())
    driver.find_element(By.LINK_TEXT, "All attempts in my cohorts").click()
    WebDriverWait(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")) == 2)
    driver.find_element(By.CSS_SELECTOR, "#f-progress option[value=waiting]").click()
    driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    settle(driver, lambda d: "progress=waiting" in d.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")
    assert len(rows) == 2 and all("Lea <b>Learner</b>" in row.text for row in rows)
    assert "Attempt 2" in rows[0].text and "Attempt 1" in rows[1].text, rows[0].text
    check_accessible(driver)
    shoot(driver, "attempts")
    # Not the oldest first: he opens attempt 2.
    rows[0].find_element(By.TAG_NAME, "button").click()
    WebDriverWait(driver, 10).until(ready.url_contains("/review/"))
    assert "Attempt 2" in driver.find_element(By.TAG_NAME, "h1").text
    # Beside the video: the instructions and the support Lea had while recording.
    brief = driver.find_element(By.ID, "brief-title").find_element(By.XPATH, "..").text
    assert "Answer the customer who finds the price too high." in brief and "Support: Full support — 3 of 3 levels of help" in brief
    video = driver.find_element(By.ID, "player").rect
    rubric = driver.find_element(By.ID, "rubric-title").rect
    if screen == DESKTOP:
        # On a wide screen the rubric sits beside the video, not a screen's height below it.
        assert rubric["x"] > video["x"] + video["width"] - 1 and rubric["y"] < 900, (video, rubric)
    else:
        # On a phone they stack: the video first, as wide as the screen allows, then the rubric below.
        assert rubric["y"] > video["y"] + video["height"] and video["width"] >= PHONE[0] - 100, (video, rubric)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.getElementById('player'); return !!v && v.duration > 0"))

    # The keyboard alone: c pauses and opens a comment at the moment; Shift+Enter adds a line, Enter sends.
    driver.execute_script("document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex');")
    driver.execute_script("document.getElementById('player').currentTime = 2;")
    press(driver, "c")
    assert driver.switch_to.active_element.get_attribute("id") == "comment-text"
    ActionChains(driver).send_keys("Lovely opening").key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).send_keys(
        "and a calm pace").perform()
    press(driver, Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#annotations > li")) == 1)
    comment = driver.find_element(By.CSS_SELECTOR, "#annotations > li")
    assert "Lovely opening\nand a calm pace" in comment.text
    # The marker takes the colour of its tag (praise, the first), as the legend shows.
    marker = driver.find_element(By.CSS_SELECTOR, "#timeline .marker")
    assert marker.get_attribute("data-tag") == "praise"
    swatch = driver.find_element(By.CSS_SELECTOR, ".tag-legend .swatch[data-tag=praise]")
    assert marker.value_of_css_property("background-color") == swatch.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    # The score: Tab to the rubric, arrows choose the step, then the overall comment and Enter on the button.
    radio = tab_to(driver, lambda el: el.get_attribute("name") == "empathy")
    press(driver, Keys.SPACE)
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return document.querySelector('input[name=empathy]:checked') !== null"))
    press(driver, Keys.ARROW_DOWN)
    assert driver.execute_script("return document.querySelector('input[name=empathy]:checked').value") == "2"
    assert driver.find_element(By.ID, "total").text == "50 % · 0.5 of 1 point"
    tab_to(driver, lambda el: el.get_attribute("id") == "overall").send_keys("Good start; ask more.")
    tab_to(driver, lambda el: el.get_attribute("id") == "submit-review")
    press(driver, Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "Review submitted: 50 %" in d.find_element(By.ID, "review-status").text)
    # Sent: the way on is offered and takes the focus.
    assert driver.switch_to.active_element.get_attribute("id") == "next-attempt"
    assert driver.find_element(By.ID, "back-to-queue").is_displayed()
    del radio

    # On second thoughts the score was too low: he changes it, and the page keeps the first version.
    driver.find_element(By.CSS_SELECTOR, "input[name=empathy][value='3']").click()
    driver.find_element(By.ID, "submit-review").click()
    WebDriverWait(driver, 10).until(lambda d: "Change saved: 100 %" in d.find_element(By.ID, "review-status").text)
    driver.refresh()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "sent-line").is_displayed())
    assert "You sent this review on" in driver.find_element(By.ID, "sent-line").text
    assert "You can change it until" in driver.find_element(By.ID, "sent-line").text
    assert driver.execute_script("return document.querySelector('input[name=empathy]:checked').value") == "3"
    assert driver.find_element(By.ID, "total").text == "100 % · 1 of 1 point"
    driver.find_element(By.CSS_SELECTOR, "#review-history summary").click()
    assert "50 % · 0.5 of 1 point" in driver.find_element(By.ID, "review-history").text
    check_accessible(driver)
    shoot(driver, "review-sent")

    # Next attempt: the other one of Lea's, held for him now.
    driver.find_element(By.ID, "next-attempt").click()
    # Read in the page itself: the old page's heading may be gone between finding it and reading it.
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("const h = document.querySelector('h1'); return !!h && h.textContent.includes('Attempt 1')"))
    driver.get(server.url + "/train/attempts?show=mine")
    rows = driver.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")
    assert len(rows) == 1 and "reviewed by Tom Trainer: 100 %" in rows[0].text
    # The learner reads the changed score.
    reviews = requests.get(f"{server.url}/api/v1/submissions/{latest}/reviews", headers=learner).json()["items"]
    assert [r["total"] for r in reviews] == [1.0] and first != latest


def test_the_review_desk_in_dutch(service, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    upload_ready(service, exercise, "h264_aac.mp4")
    driver = browser_nl
    sign_in(driver, server, "tom@example.org", PASSWORD)
    driver.get(server.url + "/train/attempts")
    WebDriverWait(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#attempts tbody tr")) == 1)
    assert "Alle pogingen in mijn groepen" in driver.find_element(By.TAG_NAME, "h1").text
    check_accessible(driver)
    shoot(driver, "attempts-nl")
    driver.find_element(By.CSS_SELECTOR, "#attempts tbody tr button").click()
    WebDriverWait(driver, 10).until(ready.url_contains("/review/"))
    assert "Ondersteuning: Full support — 3 van 3 niveaus van hulp" in driver.find_element(By.ID, "support-line").text
    assert "Enter plaatst de opmerking" in driver.find_element(By.ID, "comment-hint").text
    check_accessible(driver)
    shoot(driver, "review-nl")
