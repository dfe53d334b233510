"""Every page fits every screen: at 320, 390, 768 and 1280 pixels wide, and on a phone held
sideways (844 × 390), nothing is wider than the window, every player and control stays inside its
box, and everything a finger must hit is at least 44 pixels tall and wide, measured in the
browser with getBoundingClientRect."""
import pytest
import requests
from selenium.webdriver.common.by import By

from test_serve import admin_run
from test_web import (PASSWORD, WebDriverWait, add_trainer, browser, course, page_name, review_by_api, service, shoot,  # noqa: F401
                      sign_in, upload_ready)

# Widths on an upright screen, and a phone on its side.
SIZES = ((320, 900), (390, 900), (768, 900), (1280, 900), (844, 390))

MEASURE = """
const width = document.documentElement.clientWidth, problems = [];
const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
  ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + (el.textContent.trim() ? ` "${el.textContent.trim().slice(0, 30)}"` : '');
// Inside a box that scrolls sideways on purpose (a wide table), or hidden for screen readers only.
const exempt = (el) => el.closest('.table-scroll, .visually-hidden, .skip, template, svg');
if (document.documentElement.scrollWidth > width) problems.push(`the page is ${document.documentElement.scrollWidth - width} px too wide`);
for (const el of document.body.querySelectorAll('*')) {
  if (!shown(el) || exempt(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) continue;
  if (box.right > width + 1 || box.left < -1) problems.push(`${name(el)} reaches ${Math.round(box.left)}–${Math.round(box.right)}`);
}
// Players and controls inside their container.
for (const el of document.querySelectorAll('video, input, select, textarea, button, progress')) {
  if (!shown(el) || exempt(el) || el.type === 'hidden') continue;
  const box = el.getBoundingClientRect(), parent = el.parentElement.closest('section, fieldset, form, li, div, main, p, label');
  if (!parent) continue;
  const outer = parent.getBoundingClientRect();
  if (box.right > outer.right + 1 || box.left < outer.left - 1) problems.push(`${name(el)} sticks out of ${name(parent)}`);
}
// What a finger hits: buttons, fields, the labels of boxes to tick, links that stand alone.
const targets = [...document.querySelectorAll('button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), a.button, .bar nav a, .bar a.brand, .bell')]
  .concat([...document.querySelectorAll('input[type=checkbox], input[type=radio]')].map((box) => box.closest('label, td') || box));
for (const el of targets) {
  if (!shown(el) || exempt(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.height < 43.5) problems.push(`${name(el)} is ${Math.round(box.height)} px tall`);
  if (box.width < 43.5) problems.push(`${name(el)} is ${Math.round(box.width)} px wide`);
}
return problems;
"""


def pages(service):
    """A course with an attempt being reviewed: each role's pages, with the account that opens them."""
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    auth = {"Authorization": f"Bearer {admin}"}
    # The exercise keeps a library of examples, asks for practice at work after a withdrawal, and
    # Lea shares her attempt in the library; two passes gave her a task at work.
    assert requests.patch(f"{server.url}/api/v1/exercises/{exercise}", headers=auth,
                          json={"review": {"cohortLibrary": True, "peerReviewers": 0, "transferAfterWithdrawal": True}}).ok
    for _ in range(2):
        upload_ready(service, exercise, "h264_aac.mp4")
        review_by_api(service, 3)
    submission, learner = upload_ready(service, exercise, "h264_aac.mp4")
    shared = requests.put(f"{server.url}/api/v1/submissions/{submission}/audience", headers=learner,
                          json={"audience": "cohort", "consent": True, "sharesFeedback": True})
    assert shared.status_code == 200, shared.text
    trainer = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "tom@example.org").stdout.strip()}
    task = requests.post(server.url + "/api/v1/review-queue/claim", headers=trainer).json()["id"]
    lea = requests.get(server.url + "/api/v1/me", headers=learner).json()["user"]["id"]
    cohort = requests.get(server.url + "/api/v1/cohorts", headers={"Authorization": f"Bearer {admin}"}).json()["items"][0]["id"]
    email, password = server.banner.split("First administrator: ")[1].split()[0::2][:2]
    # Mira manages Lea, who lets her watch the attempt and invites a guest to it.
    made = admin_run(service, "create-user", "--email", "mira@example.org", "--name", "Mira Manager", "--role", "manager",
                     "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    mira = next(u["id"] for u in requests.get(server.url + "/api/v1/users?limit=200", headers=auth).json()["items"]
                if u["email"] == "mira@example.org")
    assert requests.put(f"{server.url}/api/v1/users/{lea}/managers/{mira}", headers=auth).ok
    assert requests.put(f"{server.url}/api/v1/submissions/{submission}/manager", headers=learner, json={"shared": True}).ok
    guest = requests.post(f"{server.url}/api/v1/submissions/{submission}/guests", headers=learner, json={"name": "Dana"})
    assert guest.status_code == 201, guest.text
    transfer = requests.get(server.url + "/api/v1/me/transfer-tasks", headers=learner).json()["items"][0]["id"]
    return [
        (None, ["/login", "/password/forgot", "/guest?t=" + guest.json()["link"].split("t=")[1], "/guest?t=unknown"]),
        (("lea@example.org", PASSWORD), ["/learn", f"/learn/exercises/{exercise}", f"/learn/submissions/{submission}", "/notifications",
                                         "/settings/notifications", "/learn/examples", f"/learn/examples/{submission}",
                                         "/settings/data", f"/transfer/{transfer}", f"/journey/{lea}"]),
        (("tom@example.org", PASSWORD), ["/train", f"/review/{task}", "/train/attempts", "/train/attempts?show=mine", f"/train/exercises/{exercise}",
                                         f"/train/exercises/{exercise}/learners/{lea}", f"/transfer/{transfer}", "/dashboard"]),
        (("mira@example.org", PASSWORD), ["/team", f"/team/attempts/{submission}", f"/journey/{lea}"]),
        ((email, password), ["/", "/admin", "/admin/exercises/new", f"/admin/exercises/{exercise}", f"/admin/cohorts/{cohort}",
                             f"/admin/people/{lea}", "/invite", "/admin/webhooks", "/library", "/admin/audit", "/admin/retention",
                             "/admin/managers", f"/journey/{lea}", "/dashboard"]),
    ]


def test_every_page_fits_every_screen_with_controls_big_enough_to_tap(service, browser):
    server = service["server"]
    driver = browser
    found = {}
    every = pages(service)
    pages_seen = {"exercise": every[1][1][1]}
    for account, paths in every:
        driver.delete_all_cookies()
        if account:
            sign_in(driver, server, *account)
        for path in paths:
            for width, height in SIZES:
                driver.set_window_size(width, height)
                driver.get(server.url + path)
                driver.find_element(By.TAG_NAME, "h1")
                problems = driver.execute_script(MEASURE)
                if problems:
                    found[f"{path} at {width} × {height}"] = problems[:8]
            shoot(driver, "en-" + page_name(path))
    # While the camera records, its preview stays inside the page and "Stop recording" can be tapped.
    driver.delete_all_cookies()
    sign_in(driver, server, "lea@example.org", PASSWORD)
    exercise = pages_seen["exercise"]
    for width in (320, 390):
        driver.set_window_size(width, 900)
        driver.get(server.url + exercise)
        driver.find_element(By.ID, "record-start").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "record-preview").is_displayed())
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.getElementById('record-preview').videoWidth > 0"))
        problems = driver.execute_script(MEASURE)
        if problems:
            found[f"{exercise} recording at {width} px"] = problems[:8]
        stop = driver.find_element(By.ID, "record-stop")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", stop)
        hit = driver.execute_script(
            "const b = arguments[0].getBoundingClientRect(); return document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === arguments[0];",
            stop)
        assert hit, f"Stop recording is covered at {width} px"
    if found:
        pytest.fail("\n".join(f"{page}:\n  " + "\n  ".join(problems) for page, problems in found.items()), pytrace=False)
