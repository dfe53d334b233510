"""First steps: a new learner on her phone and a new trainer each find a short guide to how their
work goes, and it steps aside once they have done it once (the learner sent an attempt, the
trainer sent a review)."""
from selenium.webdriver.common.by import By

from test_web import (PHONE, PASSWORD, add_trainer, browser, browser_nl, course, review_by_api, service, settle, shoot,  # noqa: F401
                      sign_in, upload_ready)


def test_first_steps_guides_show_until_the_first_attempt_and_the_first_review(service, browser, browser_nl):
    server = service["server"]
    exercise, admin = course(service)
    add_trainer(service, admin)

    lea = browser_nl
    lea.set_window_size(*PHONE)
    sign_in(lea, server, "lea@example.org", PASSWORD)
    guide = lea.find_element(By.ID, "learner-guide")
    assert guide.find_element(By.TAG_NAME, "h2").text == "Zo gaat oefenen"
    assert len(guide.find_elements(By.TAG_NAME, "li")) == 4
    shoot(lea, "learner-guide-nl")

    tom = browser
    sign_in(tom, server, "tom@example.org", PASSWORD)
    tom.get(server.url + "/train")
    guide = tom.find_element(By.ID, "trainer-guide")
    assert guide.find_element(By.TAG_NAME, "h2").text == "How the review desk works"
    assert "press c to comment" in guide.text
    shoot(tom, "trainer-guide")

    # Lea sends an attempt and Tom reviews it: both guides step aside.
    upload_ready(service, exercise, "h264_aac.mp4")
    review_by_api(service, 3)
    lea.get(server.url + "/learn")
    settle(lea, lambda d: d.find_element(By.TAG_NAME, "h1"))
    assert not lea.find_elements(By.ID, "learner-guide")
    tom.get(server.url + "/train")
    assert not tom.find_elements(By.ID, "trainer-guide")
