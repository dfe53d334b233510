"""The right to be forgotten, as an administrator carries it out: Tom, a trainer who left, asks to
be erased. The administrator erases him from his page; he can no longer sign in, he is in no
list, and the feedback he gave Lea stays, as a former participant's."""
import requests
from selenium.webdriver.common.by import By

from test_people import first_admin, submit
from test_retention import review, send, token
from test_web import (PASSWORD, WebDriverWait, add_trainer, browser, check_accessible, course, service, settle,  # noqa: F401
                      shoot, sign_in)


def test_an_administrator_erases_a_trainer_who_asked_and_his_feedback_stays_as_a_former_participants(service, browser):
    server = service["server"]
    email, password = first_admin(server)
    exercise, admin = course(service)
    add_trainer(service, admin)
    lea, tom = token(service, "lea@example.org"), token(service, "tom@example.org")
    attempt = send(server, lea, exercise, "h264_aac.mp4")
    review(server, tom, "Good opening")
    tom_id = requests.get(server.url + "/api/v1/me", headers=tom).json()["user"]["id"]

    driver = browser
    sign_in(driver, server, email, password)
    driver.get(f"{server.url}/admin/people/{tom_id}")
    card = driver.find_element(By.ID, "erase")
    assert "Erase this person" in card.text and "cannot be undone" in card.text
    assert driver.find_element(By.CSS_SELECTOR, "#erase-person input[name=keepContributions]").is_selected()
    check_accessible(driver)
    shoot(driver, "person-erase")
    driver.execute_script("window.confirm = () => true")
    submit(driver, "erase-person")
    settle(driver, lambda d: d.current_url.endswith("/admin"))
    assert "tom@example.org" not in driver.find_element(By.TAG_NAME, "main").text
    driver.get(server.url + "/admin/audit")
    assert "erased a person" in driver.find_element(By.TAG_NAME, "main").text
    assert "0 attempts removed" in driver.find_element(By.TAG_NAME, "main").text  # a trainer has no attempts of his own

    # Tom is gone: no sign-in, no token, no page.
    assert requests.post(server.url + "/api/v1/auth/login", json={"email": "tom@example.org", "password": PASSWORD}).status_code == 401
    assert requests.get(server.url + "/api/v1/me", headers=tom).status_code == 401
    assert requests.get(f"{server.url}/api/v1/users/{tom_id}", headers={"Authorization": f"Bearer {admin}"}).status_code == 404

    # Lea's feedback stands, from a former participant.
    driver.delete_all_cookies()
    sign_in(driver, server, "lea@example.org", PASSWORD)
    driver.get(f"{server.url}/learn/submissions/{attempt}")
    WebDriverWait(driver, 20).until(lambda d: "Good opening" in d.find_element(By.ID, "feedback").text)
    feedback = driver.find_element(By.ID, "feedback").text
    assert "a former participant" in feedback and "Tom" not in feedback
    shoot(driver, "attempt-former-participant")
