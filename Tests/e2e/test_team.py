"""A manager follows her people and encourages them: the administrator links Mira to Lea on Lea's
page; Mira signs in, finds Lea on her team with the help Lea still gets, and nobody else; she
sends Lea a word of encouragement, which Lea reads among her notifications, in Dutch."""
import requests
from selenium.webdriver.common.by import By

from test_people import first_admin
from test_serve import admin_run
from test_web import (PASSWORD, WebDriverWait, add_person, browser, browser_nl, check_accessible, course, service, settle,  # noqa: F401
                      shoot, sign_in, upload_ready)


def user_id(server, auth, email):
    return next(u["id"] for u in requests.get(server.url + "/api/v1/users?limit=200", headers=auth).json()["items"] if u["email"] == email)


def test_a_manager_sees_her_team_and_nobody_else_and_her_encouragement_reaches_the_learner(service, browser, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    auth = {"Authorization": f"Bearer {admin}"}
    add_person(service, admin, "sam@example.org", "Sam Other", "learner")
    made = admin_run(service, "create-user", "--email", "mira@example.org", "--name", "Mira Manager", "--role", "manager",
                     "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    lea, sam = user_id(server, auth, "lea@example.org"), user_id(server, auth, "sam@example.org")

    # The administrator opens Lea's page and makes Mira her manager.
    driver = browser
    email, password = first_admin(server)
    sign_in(driver, server, email, password)
    driver.get(f"{server.url}/admin/people/{lea}")
    assert driver.find_element(By.ID, "no-managers").is_displayed()
    driver.find_element(By.CSS_SELECTOR, "#add-manager button[type=submit]").click()
    settle(driver, lambda d: "Mira Manager" in d.find_element(By.ID, "managers").text and not d.find_elements(By.ID, "no-managers"))
    check_accessible(driver)
    shoot(driver, "person-managers")
    # From a list she links more people at once; a line naming nobody, or someone who is not a
    # manager, is refused with the reason, and Sam stays off Mira's team.
    driver.get(server.url + "/admin")
    driver.find_element(By.ID, "managers-link").click()
    driver.find_element(By.ID, "manager-csv").send_keys(
        "person, manager\nlea@example.org, mira@example.org\nnobody@example.org, mira@example.org\nsam@example.org, lea@example.org")
    driver.find_element(By.CSS_SELECTOR, "#manager-list button[type=submit]").click()
    settle(driver, lambda d: d.find_element(By.ID, "manager-list-summary").text == "Linked or already linked: 1. Refused: 2.")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#manager-results tbody tr")]
    assert rows[0].endswith("already linked"), rows
    assert "refused: person: no account has this e-mail address" in rows[1], rows
    assert "refused: manager: must be someone with the manager role" in rows[2], rows
    check_accessible(driver)
    shoot(driver, "manager-list")
    driver.delete_all_cookies()

    # Mira signs in and lands on her team: Lea with her skill and the help she gets, not Sam.
    sign_in(driver, server, "mira@example.org", PASSWORD)
    settle(driver, lambda d: d.current_url.endswith("/team"))
    team = driver.find_element(By.ID, "team").text
    assert "Lea <b>Learner</b>" in team and "Sam Other" not in team, team
    assert "Price objection" in team and "Full support" in team and "Has not practised yet." in team, team
    assert driver.find_element(By.LINK_TEXT, "My team").is_displayed()
    check_accessible(driver)
    shoot(driver, "team")
    # Sam is out of her reach, even when she asks for him by address.
    driver.get(f"{server.url}/api/v1/team/{sam}")
    assert '"status":404' in driver.page_source.replace(" ", "") and "Sam Other" not in driver.page_source
    driver.get(f"{server.url}/admin/people/{lea}")
    assert "Lea" not in driver.find_element(By.TAG_NAME, "main").text

    # She writes Lea a word of encouragement.
    driver.get(server.url + "/team")
    box = driver.find_element(By.CSS_SELECTOR, f"#member-{lea} textarea")
    box.send_keys("Saw you calm that customer down today. Keep going!")
    driver.find_element(By.CSS_SELECTOR, f"#member-{lea} button[type=submit]").click()
    settle(driver, lambda d: d.find_element(By.ID, "team-message").text == "Sent: Lea <b>Learner</b> reads it in their notifications.")
    assert "Keep going!" in driver.find_element(By.CSS_SELECTOR, f"#member-{lea} .last-encouragement").text

    # Lea, who reads Steiger in Dutch, finds it among her notifications with Mira's name.
    nl = browser_nl
    sign_in(nl, server, "lea@example.org", PASSWORD)
    # The notice is made from the event shortly after it is sent: she looks again until it is there.
    def arrived(d):
        d.get(server.url + "/notifications")
        return "Mira Manager stuurde je een bemoedigend woord." in d.find_element(By.TAG_NAME, "main").text
    settle(nl, arrived, timeout=30)
    assert "‘Saw you calm that customer down today. Keep going!’" in nl.find_element(By.TAG_NAME, "main").text
    shoot(nl, "notifications-encouragement-nl")

    # Lea lets Mira watch one of her attempts; before that, Mira sees only that it exists.
    attempt, _ = upload_ready(service, exercise, "h264_aac.mp4")
    nl.get(f"{server.url}/learn/submissions/{attempt}")
    assert "Mira Manager ziet dat deze poging bestaat" in nl.find_element(By.ID, "manager-state").text
    nl.find_element(By.ID, "manager-toggle").click()
    settle(nl, lambda d: d.find_element(By.ID, "audience-message").text == "Je leidinggevende mag deze opname nu bekijken.")
    assert "mogen deze opname en de feedback erop bekijken (nu Mira Manager)" in nl.find_element(By.ID, "manager-state").text
    shoot(nl, "attempt-shared-with-manager-nl")
    nl.delete_all_cookies()

    # Mira finds it on her team page and plays it.
    driver.get(server.url + "/team")
    driver.find_element(By.CSS_SELECTOR, f"#member-{lea} .shared-attempts a").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.getElementById('player'); return !!v && v.readyState >= 1"))
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Price objection")
    shoot(driver, "team-shared-attempt")
    # Mira's team page in Dutch.
    sign_in(nl, server, "mira@example.org", PASSWORD)
    settle(nl, lambda d: d.current_url.endswith("/team"))
    assert nl.find_element(By.TAG_NAME, "h1").text == "Mijn team"
    team = nl.find_element(By.ID, "team").text
    assert "Laatst geoefend op" in team and "Opnames die met je gedeeld zijn" in team, team
    shoot(nl, "team-nl")
