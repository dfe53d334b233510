"""Accounts by e-mail in the browser, with `steiger serve` and a real SMTP server on loopback: an
administrator invites a list of people, one of them sets a password through the mailed link and
lands on her exercises; a forgotten password is asked for a known and an unknown address."""
import re
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready

from test_mail import Mailbox, body, free_port, serve, start_smtp
from test_serve import admin_run
from test_web import WebDriverWait, check_accessible, chromium, shoot, sign_in

WORDS = {
    "en": {
        "accept": "en-GB,en", "invited": "Invited", "summary": "3 done, 0 not invited.", "subject": "Ann Admin invites you to Steiger",
        "welcome": "Welcome, Sam de Vries", "exercises": "My exercises", "used": "This link no longer works",
        "sent": "If an account uses that address, an e-mail with a link to choose a new password is on its way.",
        "reset": "Choose a new Steiger password", "differ": "The two passwords are not the same.",
    },
    "nl": {
        "accept": "nl-NL,nl", "invited": "Uitgenodigd", "summary": "3 verwerkt, 0 niet uitgenodigd.",
        "subject": "Ann Admin nodigt je uit voor Steiger", "welcome": "Welkom, Sam de Vries", "exercises": "Mijn oefeningen",
        "used": "Deze link werkt niet meer",
        "sent": "Als een account dat adres gebruikt, is er een e-mail onderweg met een link om een nieuw wachtwoord te kiezen.",
        "reset": "Kies een nieuw wachtwoord voor Steiger", "differ": "De twee wachtwoorden zijn niet gelijk.",
    },
}


def link_in(mail, path):
    text = body(mail, "plain")
    match = re.search(r"(http://\S+" + re.escape(path) + r"\?t=\S+)", text)
    assert match, text
    return match.group(1)


def choose_password(driver, password, repeat=None):
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "repeat").send_keys(repeat or password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_an_administrator_invites_a_list_and_a_newcomer_sets_her_password_then_forgets_it(tmp_path, language):
    """Ann, an administrator, invites three people from a spreadsheet export. Each gets an
    invitation in Ann's language. Sam follows hers, chooses a password and lands on her
    exercises; the link does not work a second time. Later Sam forgets her password: asking for a
    known and for an unknown address shows the same page, and only Sam gets a mail, whose link
    works once."""
    words = WORDS[language]
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = start_smtp(mailbox, smtp_port)
    server, service = serve(tmp_path, f"smtp://127.0.0.1:{smtp_port}")
    driver = chromium(words["accept"])
    try:
        first = re.search(r"First administrator: (\S+) / (\S+)", server.banner)
        token = admin_run(service, "create-token", "--email", first.group(1)).stdout.strip()
        admin = {"Authorization": f"Bearer {token}"}
        me = requests.get(server.url + "/api/v1/me", headers=admin).json()["user"]
        requests.patch(f"{server.url}/api/v1/users/{me['id']}", headers=admin, json={"displayName": "Ann Admin"})
        cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": "Spring sales"}, headers=admin).json()["id"]
        made = requests.post(server.url + "/api/v1/exercises", headers=admin, json={
            "title": "Price objection", "instructions": "Answer the customer.", "skillKey": "objections", "cohorts": [cohort],
            "rubric": {"criteria": [{"key": "empathy", "title": "Empathy", "weight": 1,
                                     "scale": [{"value": 1, "label": "No"}, {"value": 2, "label": "Yes"}]}]},
            "ladder": {"levels": [{"number": 0, "name": "On your own", "supports": []}]}})
        assert made.status_code == 201, made.text

        # Ann exports the list from her spreadsheet (Dutch spreadsheets separate with semicolons).
        separator = ";" if language == "nl" else ","
        rows = [["name", "email", "role", "cohort", "language"],
                ["Sam de Vries", "sam@example.org", "learner", "Spring sales", language],
                ["Kim Jansen", "kim@example.org", "", "spring sales", language],
                ["Lou Bakker", "lou@example.org", "learner", "Spring sales", language]]
        sheet = tmp_path / "people.csv"
        sheet.write_text("\r\n".join(separator.join(row) for row in rows) + "\r\n", encoding="utf-8")

        sign_in(driver, server, first.group(1), first.group(2))
        driver.get(server.url + "/admin")
        driver.find_element(By.ID, "invite-people").click()
        WebDriverWait(driver, 10).until(ready.url_contains("/invite"))
        driver.find_element(By.ID, "csv-file").send_keys(str(sheet))
        WebDriverWait(driver, 10).until(lambda d: "sam@example.org" in d.find_element(By.ID, "csv").get_attribute("value"))
        driver.find_element(By.CSS_SELECTOR, "#invite-list button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "invite-results"))
        results = driver.find_element(By.ID, "invite-results")
        assert words["summary"] in results.text
        people = results.find_elements(By.CSS_SELECTOR, "li")
        assert [row.find_element(By.CLASS_NAME, "email").text for row in people] == ["sam@example.org", "kim@example.org", "lou@example.org"]
        assert all(words["invited"] in row.text for row in people)
        check_accessible(driver)
        shoot(driver, f"invite-results-{language}")

        # Each of the three gets one invitation, in the language of the list.
        mails = mailbox.wait(3)
        assert sorted(m["To"] for m in mails) == ["Kim Jansen <kim@example.org>", "Lou Bakker <lou@example.org>",
                                                 "Sam de Vries <sam@example.org>"]
        assert all(m["Subject"] == words["subject"] for m in mails)
        invitation = link_in(mailbox.to("sam@example.org")[0], "/welcome")
        assert invitation.startswith(server.url + "/welcome?t=")

        # Sam opens her invitation on a fresh browser.
        driver.delete_all_cookies()
        driver.get(invitation)
        assert words["welcome"] in driver.find_element(By.TAG_NAME, "h1").text
        assert driver.find_element(By.ID, "email").get_attribute("value") == "sam@example.org"
        check_accessible(driver)
        shoot(driver, f"welcome-{language}")
        choose_password(driver, "sales calls every monday", "sales calls every tuesday")
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "password-error"))
        assert words["differ"] in driver.find_element(By.ID, "password-error").text
        choose_password(driver, "sales calls every monday")
        WebDriverWait(driver, 10).until(ready.url_to_be(server.url + "/learn"))
        assert words["exercises"] in driver.find_element(By.TAG_NAME, "h1").text
        assert "Price objection" in driver.find_element(By.TAG_NAME, "main").text

        # The link is spent: opened again, it says so and offers a way on.
        driver.delete_all_cookies()
        driver.get(invitation)
        assert words["used"] in driver.find_element(By.TAG_NAME, "h1").text
        assert not driver.find_elements(By.ID, "password")
        shoot(driver, f"link-used-{language}")
        assert requests.get(invitation).status_code == 410

        # Weeks later Sam has forgotten her password. The page says the same for her address and
        # for one that has no account.
        answers = {}
        for address in ("sam@example.org", "nobody@example.org"):
            driver.get(server.url + "/login")
            driver.find_element(By.ID, "forgot-link").click()
            WebDriverWait(driver, 10).until(ready.url_contains("/password/forgot"))
            driver.find_element(By.ID, "email").send_keys(address)
            driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "forgot-sent"))
            answers[address] = driver.find_element(By.TAG_NAME, "main").text
            if address == "sam@example.org":
                check_accessible(driver)
                shoot(driver, f"forgot-sent-{language}")
        assert answers["sam@example.org"] == answers["nobody@example.org"] and words["sent"] in answers["nobody@example.org"]
        deadline = time.time() + 30
        while len(mailbox.to("sam@example.org")) < 2 and time.time() < deadline:
            time.sleep(0.2)
        reset_mails = mailbox.to("sam@example.org")[1:]
        assert len(reset_mails) == 1 and reset_mails[0]["Subject"] == words["reset"]
        time.sleep(3)
        assert mailbox.to("nobody@example.org") == [] and len(mailbox.messages) == 4

        reset = link_in(reset_mails[0], "/password/reset")
        driver.get(reset)
        check_accessible(driver)
        shoot(driver, f"reset-{language}")
        choose_password(driver, "a new sentence for sam")
        WebDriverWait(driver, 10).until(ready.url_to_be(server.url + "/learn"))
        driver.delete_all_cookies()
        driver.get(reset)
        assert words["used"] in driver.find_element(By.TAG_NAME, "h1").text
        sign_in(driver, server, "sam@example.org", "a new sentence for sam")
        assert driver.current_url == server.url + "/learn"
        old = requests.post(server.url + "/api/v1/auth/login", json={"email": "sam@example.org", "password": "sales calls every monday"})
        assert old.status_code == 401
    finally:
        driver.quit()
        server.stop()
        smtp.stop()
