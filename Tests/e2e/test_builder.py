"""The exercise builder in a real browser, as a new L&D administrator uses it: no JSON typed, a
ready-made exercise adapted, mistakes shown next to the field they concern, every level previewed,
and the learner then seeing what the preview showed."""
import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select

from conftest import FIXTURES
from test_serve import admin_run
from test_web import (DESKTOP, PHONE, PASSWORD, WebDriverWait, browser, browser_nl, check_accessible, service, settle, shoot,  # noqa: F401
                      sign_in)


def first_admin(server):
    return re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()


def learner_in_cohort(service, token, cohort_name, email, name):
    """A learner with a password in a new cohort; returns the cohort's id."""
    server = service["server"]
    auth = {"Authorization": f"Bearer {token}"}
    made = admin_run(service, "create-user", "--email", email, "--name", name, "--role", "learner", "--password-stdin",
                     stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    user = next(u["id"] for u in requests.get(server.url + "/api/v1/users?limit=200", headers=auth).json()["items"] if u["email"] == email)
    cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": cohort_name}, headers=auth).json()["id"]
    assert requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{user}", json={"part": "learner"}, headers=auth).status_code == 200
    return cohort


def criterion(driver, n):
    return driver.find_elements(By.CSS_SELECTOR, "#criteria > .criterion")[n]


def level(driver, number):
    return driver.find_element(By.CSS_SELECTOR, f"#levels > .level[data-number='{number}']")


def type_into(element, text):
    element.clear()
    element.send_keys(text)


def preview_text(driver, number):
    driver.find_element(By.CSS_SELECTOR, f"#preview-levels button[data-level='{number}']").click()
    settle(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"#preview[data-level='{number}'] .learner-preview #supports-title"))
    return driver.find_element(By.CSS_SELECTOR, "#preview .learner-preview section").text


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_new_administrator_builds_an_exercise_from_a_template_and_the_learner_sees_the_preview(service, browser, screen):
    server = service["server"]
    email, password = first_admin(server)
    token = admin_run(service, "create-token", "--email", email).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    learner_in_cohort(service, token, "Service desk, spring", "lea@example.org", "Lea")
    driver = browser
    driver.set_window_size(*screen)
    sign_in(driver, server, email, password)

    # Ann, new at L&D, is shown her first steps; the cohort and the people are there already.
    steps = driver.find_elements(By.CSS_SELECTOR, ".guide li")
    assert [step.text for step in steps] == [
        "Add a cohort: a group of learners with their trainers done", "Build an exercise, starting from a ready-made one",
        "Give the exercise to a cohort", "Invite trainers and learners by e-mail done"]
    check_accessible(driver)
    shoot(driver, "home-guide")
    # She starts from the ready-made complaint exercise.
    driver.find_element(By.LINK_TEXT, "Build an exercise, starting from a ready-made one").click()
    WebDriverWait(driver, 10).until(ready.presence_of_element_located((By.ID, "exercise-form")))
    assert [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".template-choice")] == [
        "Feedback conversation", "Sales call", "Handling a complaint", "Start empty"]
    driver.find_element(By.XPATH, "//button[normalize-space()='Handling a complaint']").click()
    assert driver.find_element(By.ID, "ex-title").get_attribute("value") == "An angry customer on the phone"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#criteria > .criterion")) == 3
    # Weights read as shares of the total: 2, 1 and 2 points are 40, 20 and 40 %.
    assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#criteria output")] == ["40 % of the total", "20 % of the total",
                                                                                          "40 % of the total"]
    type_into(driver.find_element(By.ID, "ex-title"), "The washing machine that came late")
    type_into(driver.find_element(By.ID, "ex-skill"), "Handling complaints")
    driver.find_element(By.XPATH, "//label[contains(., 'Service desk, spring')]/input").click()

    # She adds a criterion of her own, moves it to the top, and forgets to name it; she also
    # types a pass mark of 150 %.
    driver.find_element(By.ID, "add-criterion").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#criteria > .criterion")) == 4
    fourth = criterion(driver, 3)
    fourth.find_element(By.CSS_SELECTOR, "[data-action='up']").click()
    fourth.find_element(By.CSS_SELECTOR, "[data-action='up']").click()
    fourth.find_element(By.CSS_SELECTOR, "[data-action='up']").click()
    assert criterion(driver, 0).find_element(By.TAG_NAME, "legend").text == "Criterion 1"
    assert criterion(driver, 0).find_element(By.CSS_SELECTOR, "[data-name='title']").get_attribute("value") == ""
    type_into(driver.find_element(By.ID, "p-masterythreshold"), "150")
    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    settle(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".error-summary").is_displayed())
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "Criterion 1 · Name: must not be empty" in summary, summary
    assert "must be a percentage from 0 to 100" in summary, summary
    assert "rubric" not in summary and "criteria[" not in summary and "0.75" not in summary
    # Each problem sits under its own field, and the field is marked.
    name = criterion(driver, 0).find_element(By.CSS_SELECTOR, "[data-name='title']")
    assert name.get_attribute("aria-invalid") == "true"
    assert criterion(driver, 0).find_element(By.CSS_SELECTOR, "[data-part='title'] .field-error").text == "must not be empty"
    mastery = driver.find_element(By.ID, "p-masterythreshold")
    assert mastery.find_element(By.XPATH, "..").find_element(By.CLASS_NAME, "field-error").text == "must be a percentage from 0 to 100"
    # Beside the button she reads that nothing was saved, in words, not the server's field paths.
    beside = driver.find_element(By.CSS_SELECTOR, "#exercise-form .form-error").text
    assert beside == "Not saved yet: the fields marked above need your attention.", beside
    check_accessible(driver)
    shoot(driver, "builder-problems")

    # She removes her empty criterion after all and sets the pass mark to 80 %; each problem
    # goes as she mends it, and with the last one the list at the top.
    criterion(driver, 0).find_element(By.CSS_SELECTOR, "[data-action='remove']").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#criteria > .criterion")) == 3
    settle(driver, lambda d: "Criterion 1 · Name" not in d.find_element(By.CSS_SELECTOR, ".error-summary").text)
    assert driver.find_element(By.CSS_SELECTOR, ".error-summary").is_displayed()
    type_into(driver.find_element(By.ID, "p-masterythreshold"), "80")
    settle(driver, lambda d: not d.find_element(By.CSS_SELECTOR, ".error-summary").is_displayed())
    assert driver.find_element(By.ID, "p-masterythreshold").get_attribute("aria-invalid") is None
    assert not driver.find_element(By.CSS_SELECTOR, "#exercise-form .form-error").is_displayed()
    assert driver.find_elements(By.CSS_SELECTOR, ".field-error") == []
    # A four-step scale for the tone criterion.
    tone = criterion(driver, 1)
    tone.find_element(By.CSS_SELECTOR, "[data-action='add-step']").click()
    steps = tone.find_elements(By.CSS_SELECTOR, ".step")
    assert steps[3].find_element(By.CSS_SELECTOR, "[data-name='value']").get_attribute("value") == "4"
    steps[3].find_element(By.CSS_SELECTOR, "[data-name='label']").send_keys("Exemplary")

    # She uploads the model video for full support right here; it goes to the library.
    model = level(driver, 3).find_element(By.CSS_SELECTOR, "[data-part='modelVideo']")
    model.find_element(By.CSS_SELECTOR, "input[data-upload]").send_keys(str(FIXTURES / "h264_aac.mp4"))
    settle(driver, lambda d: (model.find_element(By.CSS_SELECTOR, "select[data-library]").get_attribute("value") or "").startswith("media:"),
           timeout=60)
    assert "is in the library" in model.find_element(By.CSS_SELECTOR, "[data-upload-state]").text

    # She previews every level, top to bottom, as a learner would see it.
    shown = {number: preview_text(driver, number) for number in (3, 2, 1, 0)}
    assert "Script" in shown[3] and "Twice a day off for nothing" in shown[3]
    assert "Script" not in shown[2] and "Prompts" in shown[2] and "Checklist" in shown[2]
    assert "Prompts" not in shown[1] and "Let the customer finish" in shown[1]
    assert "on your own" in shown[0].lower()
    preview_text(driver, 3)
    shoot(driver, "builder-preview")

    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))
    saved = requests.get(server.url + "/api/v1/exercises", headers=auth).json()["items"]
    assert [e["title"] for e in saved] == ["The washing machine that came late"]
    exercise = saved[0]
    assert exercise["skillKey"] == "handling-complaints" and exercise["skillName"] == "Handling complaints"
    assert exercise["policy"]["masteryThreshold"] == 0.8
    assert [c["key"] for c in exercise["rubric"]["criteria"]] == [
        "lets-the-customer-finish-and-shows-understanding", "calm-professional-tone", "agrees-on-a-solution"]
    assert [s["label"] for s in exercise["rubric"]["criteria"][1]["scale"]] == ["Not yet", "Partly", "Fully", "Exemplary"]
    assert exercise["rubric"]["criteria"][1]["scale"][0]["description"] == "Tense, hurried or curt."
    assert "'…'" not in str(exercise) and "https://…" not in str(exercise)  # no placeholder saved
    full = next(level for level in exercise["ladder"]["levels"] if level["number"] == 3)
    assert any(support["kind"] == "modelVideo" and support["reference"].startswith("media:") for support in full["supports"]), full

    # Every first step is done, so the guide is gone.
    driver.get(server.url + "/")
    assert driver.find_elements(By.CSS_SELECTOR, ".guide") == []
    driver.get(server.url + "/admin")
    # Opening it again shows what was saved; saving unchanged keeps the criteria's keys.
    driver.find_element(By.LINK_TEXT, "The washing machine that came late").click()
    WebDriverWait(driver, 10).until(ready.presence_of_element_located((By.ID, "exercise-form")))
    assert driver.find_element(By.ID, "ex-skill").get_attribute("value") == "Handling complaints"
    assert driver.find_element(By.ID, "p-masterythreshold").get_attribute("value") == "80"
    check_accessible(driver)
    shoot(driver, "builder-edit")
    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))
    again = requests.get(f"{server.url}/api/v1/exercises/{exercise['id']}", headers=auth).json()
    assert again["rubric"] == exercise["rubric"] and again["ladder"] == exercise["ladder"] and again["policyVersion"] == 1

    # Lea, new in the cohort, starts at full support and sees what the preview showed.
    driver.delete_all_cookies()
    sign_in(driver, server, "lea@example.org", PASSWORD)
    driver.get(f"{server.url}/learn/exercises/{exercise['id']}")
    assert driver.find_element(By.CSS_SELECTOR, "main section").text == shown[3]

    # Ann invites one more learner into the cohort; this service sends no mail, so the page gives
    # her the link, which Noor opens on her phone: she chooses a password and sees the same.
    driver.delete_all_cookies()
    sign_in(driver, server, email, password)
    driver.get(server.url + "/invite")
    driver.find_element(By.ID, "invite-name").send_keys("Noor Newcomer")
    driver.find_element(By.ID, "invite-email").send_keys("noor@example.org")
    Select(driver.find_element(By.ID, "invite-role")).select_by_value("learner")
    Select(driver.find_element(By.ID, "invite-cohort")).select_by_visible_text("Service desk, spring")
    driver.find_element(By.CSS_SELECTOR, "#invite-one button[type=submit]").click()
    settle(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#invite-results input.invite-link"))
    link = driver.find_element(By.CSS_SELECTOR, "#invite-results input.invite-link").get_attribute("value")
    driver.delete_all_cookies()
    driver.set_window_size(*PHONE)
    driver.get(link)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "repeat").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    settle(driver, lambda d: d.current_url.endswith("/learn"))
    driver.get(f"{server.url}/learn/exercises/{exercise['id']}")
    assert driver.find_element(By.CSS_SELECTOR, "main section").text == shown[3]


def test_the_builder_in_dutch_offers_dutch_templates_and_previews_in_dutch(service, browser_nl):
    server = service["server"]
    email, password = first_admin(server)
    driver = browser_nl
    sign_in(driver, server, email, password)
    driver.get(server.url + "/admin/exercises/new")
    assert [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".template-choice")] == [
        "Feedbackgesprek", "Verkoopgesprek", "Klacht afhandelen", "Leeg beginnen"]
    driver.find_element(By.XPATH, "//button[normalize-space()='Feedbackgesprek']").click()
    assert driver.find_element(By.ID, "ex-skill").get_attribute("value") == "Feedback geven"
    assert criterion(driver, 0).find_element(By.TAG_NAME, "legend").text == "Criterium 1"
    assert level(driver, 3).find_element(By.TAG_NAME, "legend").text == "Niveau 3: hier beginnen deelnemers"
    shown = preview_text(driver, 2)
    assert "Hulpzinnen" in shown and "Zeg waarom je wilt praten" in shown
    check_accessible(driver)
    shoot(driver, "builder-nl")
    # Starting empty and saving at once says, in Dutch, what is missing, field by field.
    driver.find_element(By.XPATH, "//button[normalize-space()='Leeg beginnen']").click()
    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    settle(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".error-summary").is_displayed())
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "Titel: mag niet leeg zijn" in summary, summary
    assert "Niveau 3: hier beginnen deelnemers" in summary and "geeft geen ondersteuning" in summary, summary
    assert not re.search(r"\b(rubric|ladder|skillKey|levels|criteria)\b", summary), summary
    shoot(driver, "builder-empty-nl")
    assert requests.get(server.url + "/api/v1/exercises",
                        headers={"Authorization": "Bearer " + admin_run(service, "create-token", "--email", email).stdout.strip()}
                        ).json()["items"] == []
