"""The programme dashboard of a seeded programme (two cohorts, three skills, 24 learners with ten
reviewed attempts each): the administrator opens it from the administration page, and every
number a chart draws is the number in the table beside it and in that table's CSV download; a
trainer finds it beside their review queue and sees their own cohort only; in Dutch too."""
import csv
import io
import os
import re
import subprocess

import requests
from selenium.webdriver.common.by import By

from conftest import ROOT
from test_serve import Server
from test_web import PASSWORD, browser, browser_nl, check_accessible, settle, shoot, sign_in  # noqa: F401

# Which CSV columns name a chart mark's row.
ROW_KEYS = {"independence": ["skillKey"], "turnaround": ["kind"], "overdue": ["cohortId", "kind"], "peers": ["balance"],
            "rechecks": ["days"]}


def number(text):
    """The whole number a table cell starts with, written the English or the Dutch way (None for –)."""
    match = re.match(r"[+-]?\d[\d.,\u00a0\u202f ]*", text.strip())
    if not match:
        return None
    return int(re.sub(r"[.,\u00a0\u202f ]", "", match.group(0).strip()))


def marks(driver, section):
    return [(m.get_attribute("data-row"), m.get_attribute("data-column"), int(m.get_attribute("data-value")))
            for m in driver.find_elements(By.CSS_SELECTOR, f"#section-{section} svg rect.mark[data-row]")]


def cell(driver, section, row, column):
    return driver.find_element(By.CSS_SELECTOR, f"#table-{section} td[data-row='{row}'][data-column='{column}']").text


def csv_value(rows, section, row, column):
    """The CSV's number for a chart mark: levels are rows of week and level, the others rows named by their key columns."""
    if section == "levels":
        level = int(column.split("-")[1])
        return next(int(r["learners"]) for r in rows if r["week"] == row and int(r["level"]) == level)
    keys = ROW_KEYS[section]
    return next(int(r[column]) for r in rows if "/".join(r[k] for k in keys) == row)


def check_every_chart(driver, server, token, query=""):
    """Every mark of every chart: its number is the table cell's and the CSV's. Returns how many marks there were."""
    seen = 0
    for section in ["independence", "levels", "turnaround", "overdue", "peers", "rechecks"]:
        link = driver.find_element(By.CSS_SELECTOR, f"#section-{section} a.csv-link").get_attribute("href")
        reply = requests.get(link if link.startswith("http") else server.url + link, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv"), reply.text
        rows = list(csv.DictReader(io.StringIO(reply.text)))
        for row, column, value in marks(driver, section):
            assert number(cell(driver, section, row, column)) == value, (section, row, column)
            assert csv_value(rows, section, row, column) == value, (section, row, column)
            seen += 1
    return seen


def test_the_dashboard_of_a_seeded_programme_shows_charts_that_are_their_tables_and_their_csv(tmp_path, browser, browser_nl):
    env = dict(os.environ)
    env.pop("STEIGER_DATABASE_URL", None)
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    data = tmp_path / "data"
    data.mkdir()
    seeded = subprocess.run([binary, "bench", "seed-dashboard", "--data", str(data), "--learners", "24", "--skills", "3",
                             "--attempts", "10", "--cohorts", "2", "--password", PASSWORD, "--log-level", "error"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    admin_token, trainer_token, admin, trainer = seeded.stdout.split()
    server = Server(binary, data, env, extra=["--workers", "1", "--default-language", "en"])
    try:
        # The administrator finds the dashboard on the administration page.
        driver = browser
        sign_in(driver, server, admin, PASSWORD)
        driver.get(server.url + "/admin")
        driver.find_element(By.ID, "dashboard-link").click()
        settle(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Programme dashboard")
        check_accessible(driver)
        # Three skills, each started by all 24 learners; levels, turnaround and rechecks drawn.
        skills = driver.find_elements(By.CSS_SELECTOR, "#table-independence tbody tr")
        assert [r.find_element(By.CSS_SELECTOR, "td").text for r in skills] == [
            "Calming an angry customer", "Giving feedback", "Handling objections"], [r.text for r in skills]
        started = [number(cell(driver, "independence", r.find_element(By.CSS_SELECTOR, "td").get_attribute("data-row"), "started"))
                   for r in skills]
        assert started == [24, 24, 24], started
        assert marks(driver, "levels") and marks(driver, "turnaround") and marks(driver, "overdue"), "charts without marks"
        assert check_every_chart(driver, server, admin_token) > 20
        shoot(driver, "dashboard")

        # One cohort, one exercise, a shorter period: the same holds, and the choice stays in the form.
        driver.find_element(By.CSS_SELECTOR, "#f-cohort option:nth-child(2)").click()
        driver.find_element(By.CSS_SELECTOR, "#f-exercise option:nth-child(2)").click()
        driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        settle(driver, lambda d: "cohort=" in d.current_url)
        assert driver.find_element(By.CSS_SELECTOR, "#f-cohort option:checked").text == "Cohort 1"
        assert check_every_chart(driver, server, admin_token) > 0
        only = [number(cell(driver, "independence", r.find_element(By.CSS_SELECTOR, "td").get_attribute("data-row"), "started"))
                for r in driver.find_elements(By.CSS_SELECTOR, "#table-independence tbody tr")]
        assert only == [12], only
        # A period that runs backwards is refused in words, and the dashboard stays.
        driver.get(server.url + "/dashboard?from=2026-12-10&to=2026-12-01")
        assert "From: must be on or before the last day" in driver.find_element(By.ID, "dashboard-error").text
        assert marks(driver, "levels")

        # In Dutch.
        sign_in(browser_nl, server, admin, PASSWORD)
        browser_nl.get(server.url + "/dashboard")
        assert browser_nl.find_element(By.TAG_NAME, "h1").text == "Programmadashboard"
        assert browser_nl.find_element(By.ID, "title-levels").text == "Deelnemers per niveau van ondersteuning"
        assert check_every_chart(browser_nl, server, admin_token) > 20
        shoot(browser_nl, "dashboard-nl")

        # A trainer reaches it beside their queue and sees their own cohort only.
        driver.delete_all_cookies()
        sign_in(driver, server, trainer, PASSWORD)
        driver.get(server.url + "/train")
        driver.find_element(By.ID, "dashboard-link").click()
        settle(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Programme dashboard")
        assert [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#f-cohort option")] == ["All cohorts", "Cohort 1"]
        mine = [number(cell(driver, "independence", r.find_element(By.CSS_SELECTOR, "td").get_attribute("data-row"), "started"))
                for r in driver.find_elements(By.CSS_SELECTOR, "#table-independence tbody tr")]
        assert mine == [12, 12, 12], mine
        assert check_every_chart(driver, server, trainer_token) > 0
        shoot(driver, "dashboard-trainer")
        other = requests.get(server.url + "/api/v1/dashboard", headers={"Authorization": f"Bearer {trainer_token}"},
                             params={"cohort": driver.find_element(By.CSS_SELECTOR, "#f-cohort option:nth-child(2)").get_attribute("value")})
        assert other.status_code == 200
    finally:
        server.stop()
