"""From practice to the job: after a support is withdrawn, Lea, who reads Steiger in Dutch, is
asked to try the skill at work; she writes how it went; her trainer Tom finds the report on his
desk, scores it with the exercise's rubric, and Lea reads his review."""
import requests
from selenium.webdriver.common.by import By

from test_web import (PHONE, PASSWORD, add_trainer, browser, browser_nl, check_accessible, course, review_by_api, service, settle,  # noqa: F401
                      shoot, sign_in, upload_ready)


def test_a_withdrawn_support_asks_for_practice_at_work_and_the_trainer_reviews_the_report(service, browser, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)
    auth = {"Authorization": f"Bearer {admin}"}
    changed = requests.patch(f"{server.url}/api/v1/exercises/{exercise}", headers=auth, json={"review": {
        "peerReviewers": 0, "transferAfterWithdrawal": True,
        "transferPrompt": "Gebruik het deze week bij een klant die over de prijs begint."}})
    assert changed.status_code == 200, changed.text
    for _ in range(2):
        upload_ready(service, exercise, "h264_aac.mp4")
        review_by_api(service, 3)

    # Lea finds the ask on her page and opens it.
    lea = browser_nl
    lea.set_window_size(*PHONE)  # on her phone
    sign_in(lea, server, "lea@example.org", PASSWORD)
    lea.get(server.url + "/learn")
    box = lea.find_element(By.ID, "transfers")
    assert box.find_element(By.TAG_NAME, "h2").text == "Op het werk"
    assert "verslag vóór" in box.text, box.text
    box.find_element(By.TAG_NAME, "a").click()
    settle(lea, lambda d: "/transfer/" in d.current_url)
    assert lea.find_element(By.TAG_NAME, "h1").text == "Op het werk: Price objection"
    assert "Gebruik het deze week bij een klant" in lea.find_element(By.ID, "transfer-prompt").text
    assert "je zit nu op niveau 2" in lea.find_element(By.ID, "transfer-cause").text
    check_accessible(lea)
    # An empty report is refused with the reason, and nothing is lost.
    lea.execute_script("document.getElementById('report-text').removeAttribute('required')")
    lea.find_element(By.ID, "report-send").click()
    settle(lea, lambda d: d.find_elements(By.ID, "transfer-error"))
    assert "1" in lea.find_element(By.ID, "transfer-error").text
    lea.find_element(By.ID, "report-text").send_keys(
        "Meneer Jansen belde over de prijs. Ik liet hem uitpraten, benoemde zijn zorg en we spraken een proefperiode af.")
    shoot(lea, "transfer-report-nl")
    lea.find_element(By.ID, "report-send").click()
    settle(lea, lambda d: d.find_elements(By.ID, "report"))
    assert "Verstuurd op" in lea.find_element(By.ID, "report").text
    assert not lea.find_elements(By.ID, "report-form")

    # Tom finds the report on his desk and reviews it with the rubric.
    tom = browser
    sign_in(tom, server, "tom@example.org", PASSWORD)
    tom.get(server.url + "/train")
    desk = tom.find_element(By.ID, "transfers")
    assert "Reports from work to review" in desk.text and "Lea <b>Learner</b> — Price objection" in desk.text, desk.text
    desk.find_element(By.TAG_NAME, "a").click()
    settle(tom, lambda d: d.find_elements(By.ID, "transfer-review-form"))
    assert "Meneer Jansen belde" in tom.find_element(By.ID, "report").text
    tom.find_element(By.CSS_SELECTOR, "input[name='score.empathy'][value='3']").click()
    tom.find_element(By.ID, "transfer-comment").send_keys("Precies wat we oefenden.")
    check_accessible(tom)
    shoot(tom, "transfer-review")
    tom.find_element(By.ID, "transfer-review-send").click()
    settle(tom, lambda d: d.find_elements(By.ID, "transfer-review"))
    assert "Reviewed by Tom Trainer" in tom.find_element(By.ID, "transfer-review").text
    tom.get(server.url + "/train")
    assert not tom.find_elements(By.ID, "transfers")

    # Lea reads the review.
    lea.refresh()
    review = lea.find_element(By.ID, "transfer-review").text
    assert "Beoordeeld door Tom Trainer" in review and "Precies wat we oefenden." in review, review
    shoot(lea, "transfer-reviewed-nl")
