"""A guest reviews without an account: Lea, who reads Steiger in Dutch, asks Dana, the customer
she practised with, to review her attempt; Dana opens the link in her own browser, comments at a
moment and scores the rubric, and can reach nothing else; Lea reads Dana's review marked as a
guest's; two days later the link, and Dana's session with it, have stopped working."""
import datetime

from selenium.webdriver.common.by import By

from test_serve import Server
from test_web import (PHONE, PASSWORD, WebDriverWait, browser, browser_nl, check_accessible, course, service, settle,  # noqa: F401
                      shoot, sign_in, upload_ready)


def test_a_guest_reviews_through_a_link_that_then_stops_working(service, browser, browser_nl):
    server = service["server"]
    exercise, _ = course(service)
    attempt, _ = upload_ready(service, exercise, "h264_aac.mp4")

    # Lea invites Dana from her attempt's page, for a day; this service sends no mail, so she gets the link.
    # She does it on her phone.
    lea = browser_nl
    lea.set_window_size(*PHONE)
    sign_in(lea, server, "lea@example.org", PASSWORD)
    lea.get(f"{server.url}/learn/submissions/{attempt}")
    card = lea.find_element(By.ID, "guests")
    assert card.find_element(By.TAG_NAME, "h2").text == "Gastbeoordelaars"
    assert "zelf door te geven" in card.find_element(By.ID, "guest-email-hint").text
    # A name of spaces alone is refused with the reason, on a page that keeps what she typed.
    lea.find_element(By.ID, "guest-name").send_keys("   ")
    lea.find_element(By.ID, "guest-invite").click()
    settle(lea, lambda d: d.find_elements(By.ID, "guest-error"))
    assert "name" in lea.find_element(By.ID, "guest-error").text
    lea.find_element(By.ID, "guest-name").clear()
    lea.find_element(By.ID, "guest-name").send_keys("Dana Klant")
    days = lea.find_element(By.ID, "guest-days")
    days.clear()
    days.send_keys("1")
    lea.find_element(By.ID, "guest-invite").click()
    settle(lea, lambda d: d.find_elements(By.ID, "guest-link"))
    assert lea.find_element(By.TAG_NAME, "h1").text == "Gast uitgenodigd"
    assert "Stuur Dana Klant deze link." in lea.find_element(By.ID, "guest-invited").text
    link = lea.find_element(By.ID, "guest-link").get_attribute("value")
    assert "/guest?t=" in link
    check_accessible(lea)
    shoot(lea, "guest-invited-nl")
    lea.find_element(By.ID, "guest-back").click()
    settle(lea, lambda d: "Uitgenodigd door Lea <b>Learner</b>, nog niet geopend" in d.find_element(By.ID, "guest-list").text)
    check_accessible(lea)
    shoot(lea, "attempt-guests-nl")

    # Dana opens it in her own browser, without an account: who asks, for what, until when.
    dana = browser
    dana.set_window_size(*PHONE)
    dana.get(link)
    welcome = dana.find_element(By.ID, "guest-welcome").text
    assert "Dana Klant, Lea <b>Learner</b> asks you to review a practice attempt at “Price objection”." in welcome, welcome
    assert "This link works until" in welcome
    check_accessible(dana)
    shoot(dana, "guest-welcome")
    dana.find_element(By.ID, "guest-start").click()
    settle(dana, lambda d: "/review/" in d.current_url)
    review_page = dana.current_url
    assert "You are reviewing Lea <b>Learner</b>'s attempt as a guest." in dana.find_element(By.ID, "guest-line").text
    # No bell, no menu: nothing but this attempt.
    assert not dana.find_elements(By.CSS_SELECTOR, "header nav a") and not dana.find_elements(By.CSS_SELECTOR, "a.bell")
    WebDriverWait(dana, 30).until(lambda d: d.execute_script("return document.getElementById('player').readyState >= 1"))

    # A comment at 0:02, then the rubric.
    dana.execute_script("document.getElementById('player').currentTime = 2;")
    WebDriverWait(dana, 10).until(lambda d: d.execute_script("return Math.abs(document.getElementById('player').currentTime - 2) < 0.05"))
    dana.find_element(By.ID, "comment-text").send_keys("You let me finish before answering. That calmed me down.")
    dana.find_element(By.CSS_SELECTOR, "#comment button[type=submit]").click()
    WebDriverWait(dana, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#annotations > li")) == 1)
    dana.find_element(By.CSS_SELECTOR, "input[name=empathy][value='3']").click()
    dana.find_element(By.ID, "overall").send_keys("I would buy from you.")
    check_accessible(dana)
    dana.find_element(By.ID, "submit-review").click()
    WebDriverWait(dana, 10).until(lambda d: "submitted" in d.find_element(By.ID, "review-status").text)
    assert dana.find_element(By.ID, "guest-thanks").is_displayed()
    shoot(dana, "guest-review")
    # Anything else she tries leads back to her review.
    for away in ["/learn", "/admin", "/train", "/"]:
        dana.get(server.url + away)
        assert dana.current_url == review_page, away

    # Lea reads the review as Dana's, a guest's, and sees that Dana reviewed.
    lea.get(f"{server.url}/learn/submissions/{attempt}")
    settle(lea, lambda d: "Beoordeling door Dana Klant (gast)" in d.find_element(By.ID, "reviews").text, timeout=30)
    assert "Beoordeeld op" in lea.find_element(By.ID, "guest-list").text
    settle(lea, lambda d: "You let me finish" in d.find_element(By.ID, "annotations").text)
    shoot(lea, "attempt-guest-reviewed-nl")

    # Two days later the link has stopped working, and Dana's session with it.
    server.stop()
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server = Server(service["binary"], service["data"], service["env"], extra=["--workers", "1", "--clock-start", later])
    service["server"] = server
    try:
        moved = lambda url: url.replace(link.split("/guest?")[0], server.url)  # noqa: E731 (the port changed)
        dana.get(moved(review_page))
        settle(dana, lambda d: d.current_url.endswith("/login"))
        dana.get(moved(link))
        assert dana.find_element(By.TAG_NAME, "h1").text == "This link no longer works"
        ended = dana.find_element(By.ID, "link-invalid").text
        assert "This link stopped working on" in ended and "Ask Lea <b>Learner</b> for a new one" in ended, ended
        assert not dana.find_elements(By.ID, "guest-start")
        check_accessible(dana)
        shoot(dana, "guest-link-ended")
    finally:
        server.stop()
