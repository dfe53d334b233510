"""An administrator managing people and cohorts in the browser alone: adding people, putting
several in a cohort at once with checkboxes, moving a learner to another cohort, editing,
disabling and re-enabling an account, taking someone out of a cohort."""
import re

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_serve import admin_run
from test_web import PASSWORD, browser, browser_nl, check_accessible, service, settle, shoot, sign_in  # noqa: F401


def first_admin(server):
    return re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()


def submit(driver, form_id):
    driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]").click()


def card(driver, title_id):
    return driver.find_element(By.ID, title_id).find_element(By.XPATH, "..")


def person(driver, email):
    """The checkbox line of the person with `email` among those who can be added."""
    return next(label for label in driver.find_elements(By.CSS_SELECTOR, "#add-people fieldset.people label") if email in label.text)


def test_an_administrator_builds_two_cohorts_moves_a_learner_and_disables_an_account(service, browser):
    server = service["server"]
    email, password = first_admin(server)
    driver = browser
    sign_in(driver, server, email, password)
    driver.get(server.url + "/admin")
    check_accessible(driver)

    # Two people: a learner, and a trainer (roles chosen with checkboxes in words, not codes).
    driver.find_element(By.ID, "user-email").send_keys("noor@example.org")
    driver.find_element(By.ID, "user-name").send_keys("Noor")
    driver.find_element(By.ID, "user-password").send_keys(PASSWORD)
    submit(driver, "add-user")
    settle(driver, lambda d: "noor@example.org" in d.find_element(By.CSS_SELECTOR, "table.list").text)
    roles = {box.get_attribute("value"): box for box in driver.find_elements(By.CSS_SELECTOR, "#add-user input[name=roles]")}
    assert [label.text for label in driver.find_elements(By.CSS_SELECTOR, "#add-user fieldset label")] == ["Learner", "Trainer", "Manager", "Administrator"]
    roles["learner"].click()
    roles["trainer"].click()
    driver.find_element(By.ID, "user-email").send_keys("tim@example.org")
    driver.find_element(By.ID, "user-name").send_keys("Tim")
    submit(driver, "add-user")
    settle(driver, lambda d: "tim@example.org" in d.find_element(By.CSS_SELECTOR, "table.list").text)
    for name in ("Autumn", "Spring"):
        driver.find_element(By.ID, "cohort-name").send_keys(name)
        submit(driver, "add-cohort")
        settle(driver, lambda d, name=name: name in d.find_element(By.ID, "cohort-list").text)
    assert "0 trainers, 0 learners" in driver.find_element(By.ID, "cohort-list").text

    # The Autumn cohort: nobody reviews it yet; Noor joins as a learner and Tim as its trainer.
    driver.find_element(By.LINK_TEXT, "Autumn").click()
    settle(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Autumn")
    assert "No trainer yet" in card(driver, "trainers-title").text
    submit(driver, "add-people")  # nobody chosen: told so, nothing changes
    settle(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#add-people .form-error").is_displayed())
    person(driver, "noor@example.org").click()
    submit(driver, "add-people")
    settle(driver, lambda d: "Noor" in d.find_element(By.ID, "learner-list").text)
    person(driver, "tim@example.org").click()
    driver.find_element(By.CSS_SELECTOR, "#add-people input[name=part][value=trainer]").click()
    submit(driver, "add-people")
    settle(driver, lambda d: "Tim" in d.find_element(By.ID, "trainer-list").text)
    assert driver.find_element(By.ID, "cohort-counts").text == "1 trainer, 1 learner"
    check_accessible(driver)
    shoot(driver, "cohort")

    # Noor moves to Spring in one step: gone from Autumn, a learner of Spring.
    row = driver.find_element(By.ID, "learner-list").find_element(By.TAG_NAME, "li")
    Select(row.find_element(By.TAG_NAME, "select")).select_by_visible_text("Spring")
    row.find_element(By.CSS_SELECTOR, "button[aria-label^='Move to']").click()
    settle(driver, lambda d: "No learners yet." in card(d, "learners-title").text)
    driver.get(server.url + "/admin")
    driver.find_element(By.LINK_TEXT, "Spring").click()
    settle(driver, lambda d: "Noor" in d.find_element(By.ID, "learner-list").text)

    # Noor's own page: her name corrected, her account disabled and enabled again.
    driver.find_element(By.LINK_TEXT, "Noor").click()
    settle(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Noor")
    assert "Spring\n(Learner)" in card(driver, "person-cohorts-title").text
    name = driver.find_element(By.ID, "person-name")
    name.clear()
    name.send_keys("Noor Bakker")
    submit(driver, "edit-person")
    settle(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Noor Bakker" or d.find_element(By.CSS_SELECTOR, "#edit-person .form-error").is_displayed())
    assert driver.find_element(By.TAG_NAME, "h1").text == "Noor Bakker", driver.find_element(By.CSS_SELECTOR, "#edit-person .form-error").text
    submit(driver, "disable-person")
    settle(driver, lambda d: d.find_element(By.ID, "person-state").text == "Disabled: cannot sign in")
    refused = requests.post(server.url + "/api/v1/auth/login", json={"email": "noor@example.org", "password": PASSWORD})
    assert refused.status_code in (401, 403), refused.text
    check_accessible(driver)
    shoot(driver, "person-disabled")
    submit(driver, "enable-person")
    settle(driver, lambda d: d.find_element(By.ID, "person-state").text == "Active account")
    assert requests.post(server.url + "/api/v1/auth/login", json={"email": "noor@example.org", "password": PASSWORD}).status_code == 200
    # Out of Spring from her page.
    card(driver, "person-cohorts-title").find_element(By.CSS_SELECTOR, "button[aria-label='Remove from Spring']").click()
    settle(driver, lambda d: "Not in any cohort yet." in card(d, "person-cohorts-title").text)
    shoot(driver, "person")

    token = admin_run(service, "create-token", "--email", email).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    cohorts = {c["name"]: c["id"] for c in requests.get(server.url + "/api/v1/cohorts", headers=auth).json()["items"]}
    autumn = requests.get(f"{server.url}/api/v1/cohorts/{cohorts['Autumn']}/members", headers=auth).json()["items"]
    spring = requests.get(f"{server.url}/api/v1/cohorts/{cohorts['Spring']}/members", headers=auth).json()["items"]
    assert [(m["displayName"], m["part"]) for m in autumn] == [("Tim", "trainer")] and spring == []


def test_people_and_cohorts_in_dutch(service, browser_nl):
    server = service["server"]
    email, password = first_admin(server)
    token = admin_run(service, "create-token", "--email", email).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": "Najaar"}, headers=auth).json()["id"]
    noor = requests.post(server.url + "/api/v1/users", headers=auth,
                         json={"email": "noor@example.org", "displayName": "Noor", "roles": ["learner"]}).json()["id"]
    driver = browser_nl
    sign_in(driver, server, email, password)
    driver.get(f"{server.url}/admin/cohorts/{cohort}")
    assert "Nog geen trainer" in card(driver, "trainers-title").text
    assert "Deelnemer" in driver.find_element(By.ID, "add-people").text
    check_accessible(driver)
    shoot(driver, "cohort-nl")
    driver.get(f"{server.url}/admin/people/{noor}")
    assert "Account uitschakelen" in driver.find_element(By.ID, "disable-person").text
    assert [label.text for label in driver.find_elements(By.CSS_SELECTOR, "#edit-person fieldset label")] == [
        "Deelnemer", "Trainer", "Leidinggevende", "Beheerder"]
    check_accessible(driver)
    shoot(driver, "person-nl")
