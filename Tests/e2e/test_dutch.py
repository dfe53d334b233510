"""Dutch complete: every page of every role, opened by a Dutch-speaking browser on a programme
written in Dutch, shows no English word. Beyond the catalogue comparison in the Swift tests, this
reads what the browser shows (scripts' texts included), so a word written straight into a page,
a script or a value shown as it is stored is caught."""
import re

import requests
from selenium.webdriver.common.by import By

from test_serve import admin_run
from test_web import PASSWORD, WebDriverWait, browser_nl, page_name, service, shoot, sign_in  # noqa: F401
from conftest import FIXTURES

# Common English words that are not also Dutch words: any of them on a Dutch page is a text left
# untranslated.
ENGLISH = set("""
the and with your you for from this that these those what which when where who how why
attempt attempts review reviews reviewed reviewer learner learners support supports
points comment comments queue save remove waiting until yet not none please settings send sent
choose cohort cohorts exercise exercises back next add show hide edit delete cancel upload uploading
record recording recordings level levels trainer's held hold give keep sign out password email
read unread mark all new people person role roles part language time zone daily digest quiet hours
""".split())


def dutch_course(service):
    """A programme written in Dutch: a cohort with learner Lea and trainer Tom, an exercise, an attempt held for review."""
    server = service["server"]
    admin = admin_run(service, "create-token", "--email", "admin@steiger.local").stdout.strip()
    auth = {"Authorization": f"Bearer {admin}"}
    for email, name, role in (("lea@example.org", "Lea de Vries", "learner"), ("tom@example.org", "Tom Bakker", "trainer")):
        made = admin_run(service, "create-user", "--email", email, "--name", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    users = {u["email"]: u["id"] for u in requests.get(server.url + "/api/v1/users?limit=200", headers=auth).json()["items"]}
    cohort = requests.post(server.url + "/api/v1/cohorts", json={"name": "Voorjaar"}, headers=auth).json()["id"]
    for email, part in (("lea@example.org", "learner"), ("tom@example.org", "trainer")):
        assert requests.put(f"{server.url}/api/v1/cohorts/{cohort}/members/{users[email]}", json={"part": part}, headers=auth).ok
    checklist = {"kind": "checklist", "items": ["Erken de zorg", "Stel een vraag"]}
    made = requests.post(server.url + "/api/v1/exercises", headers=auth, json={
        "title": "Prijsbezwaar", "instructions": "Reageer op de klant die de prijs te hoog vindt.", "skillName": "Bezwaren behandelen",
        "stimulus": "https://example.org/klant-vindt-het-te-duur.mp4",
        "cohorts": [cohort], "review": {"cohortLibrary": True},
        "rubric": {"criteria": [{"title": "Empathie", "weight": 1,
                                 "scale": [{"value": 1, "label": "Nee"}, {"value": 2, "label": "Deels"}, {"value": 3, "label": "Ja"}]}]},
        "ladder": {"levels": [
            {"number": 0, "name": "Zelfstandig", "supports": []},
            {"number": 1, "name": "Checklist", "supports": [checklist]},
            {"number": 2, "name": "Script en checklist", "supports": [{"kind": "script", "text": "Ik begrijp dat de prijs telt."}, checklist]},
        ]},
    })
    assert made.status_code == 201, made.text
    exercise = made.json()["id"]
    lea = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "lea@example.org").stdout.strip()}
    sent = requests.post(f"{server.url}/api/v1/exercises/{exercise}/submissions?filename=opname.mp4", headers=lea,
                         data=(FIXTURES / "h264_aac.mp4").read_bytes())
    assert sent.status_code == 201, sent.text
    submission = sent.json()["id"]
    WebDriverWait(None, 120, poll_frequency=0.5).until(
        lambda _: requests.get(f"{server.url}/api/v1/submissions/{submission}", headers=lea).json()["status"] == "ready")
    tom = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "tom@example.org").stdout.strip()}
    task = requests.post(server.url + "/api/v1/review-queue/claim", headers=tom).json()["id"]
    # Feedback to read: a tagged comment and a sent review (its page then shows it as sent).
    assert requests.post(f"{server.url}/api/v1/submissions/{submission}/annotations", headers=tom,
                         json={"at": 1000, "text": "Mooie opening", "tag": "praise"}).status_code == 201
    assert requests.post(f"{server.url}/api/v1/review-tasks/{task}/review", headers=tom,
                         json={"scores": {"empathie": 2}, "comment": "Vraag door."}).status_code == 201
    # Lea shares it in the group's library, agreeing to the Dutch wording.
    shared = requests.put(f"{server.url}/api/v1/submissions/{submission}/audience", headers={**lea, "Accept-Language": "nl"},
                          json={"audience": "cohort", "consent": True, "sharesFeedback": True})
    assert shared.status_code == 200, shared.text
    email, password = server.banner.split("First administrator: ")[1].split()[0::2][:2]
    return [
        (None, ["/login", "/password/forgot"]),
        (("lea@example.org", PASSWORD), ["/learn", f"/learn/exercises/{exercise}", f"/learn/submissions/{submission}", "/notifications",
                                         "/settings/notifications", "/learn/examples", f"/learn/examples/{submission}",
                                         "/settings/data"]),
        (("tom@example.org", PASSWORD), ["/train", f"/review/{task}", "/train/attempts", "/learn/examples", f"/train/exercises/{exercise}",
                                         f"/train/exercises/{exercise}/learners/{users['lea@example.org']}"]),
        ((email, password), ["/", "/admin", "/admin/exercises/new", f"/admin/exercises/{exercise}", f"/admin/cohorts/{cohort}",
                             f"/admin/people/{users['lea@example.org']}", "/invite", "/admin/webhooks", "/library", "/admin/audit",
                             "/admin/retention"]),
    ]


def test_no_english_word_on_any_dutch_page(service, browser_nl):
    server = service["server"]
    driver = browser_nl
    found = {}
    for account, paths in dutch_course(service):
        driver.delete_all_cookies()
        if account:
            sign_in(driver, server, *account)
        for path in paths:
            driver.get(server.url + path)
            driver.find_element(By.TAG_NAME, "h1")
            # What scripts write comes a moment after the page: the comments, the feedback, the totals.
            WebDriverWait(driver, 5).until(lambda d: d.execute_script("return document.readyState") == "complete")
            driver.execute_script("return new Promise((done) => setTimeout(done, 600))")
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
            shown = driver.execute_script(
                "return document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label], [title], [placeholder]')]"
                ".map((el) => [el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('placeholder')].join(' ')).join(' ')")
            # Identifiers shown as they are (event types such as review.submitted, options such as
            # --mail-from, addresses) are not prose.
            prose = " ".join(token for token in shown.split() if not re.search(r"[._/@=]|--|\w-\w", token))
            words = set(re.findall(r"[a-z']+", prose.lower()))
            english = sorted(words & ENGLISH)
            if english:
                found[path] = [(re.search(r".{0,40}\b" + word + r"\b.{0,40}", shown, re.I | re.S) or re.search(word, shown, re.I)).group(0)
                               .replace("\n", " | ") for word in english]
            shoot(driver, "nl-" + page_name(path))
    assert found == {}, found
