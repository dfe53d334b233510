"""The media library in the browser: an administrator uploads a model video, chooses it for the
top level in the exercise builder and previews it; the learner then plays that very video, and
only while the support that shows it is theirs."""
import re

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select

from conftest import FIXTURES
from test_serve import admin_run
from test_web import PASSWORD, WebDriverWait, browser, check_accessible, course, service, settle, shoot, sign_in  # noqa: F401


def test_an_administrator_uploads_a_model_video_chooses_it_in_the_builder_and_the_learner_plays_it(service, browser):
    server = service["server"]
    exercise, admin = course(service)
    email, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
    driver = browser
    sign_in(driver, server, email, password)
    driver.get(server.url + "/library")
    assert driver.find_element(By.ID, "library-empty").is_displayed()
    driver.find_element(By.ID, "video-title").send_keys("Price objection, done well")
    driver.find_element(By.ID, "video-file").send_keys(str(FIXTURES / "h264_aac.mp4"))
    driver.find_element(By.CSS_SELECTOR, "#library-upload button[type=submit]").click()
    # Prepared like an attempt: the page looks again until it is ready, with its poster and length.
    settle(driver, lambda d: "Ready" in d.find_element(By.CSS_SELECTOR, "#library-items li").text, timeout=120)
    item = driver.find_element(By.CSS_SELECTOR, "#library-items li")
    assert "Price objection, done well" in item.text and "Model video" in item.text and re.search(r"0:0[45]", item.text), item.text
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("const i = document.querySelector('#library-items img'); return !!i && i.naturalWidth > 0"))
    check_accessible(driver)
    shoot(driver, "library")

    # In the builder, the top level's model video comes from the library instead of an address.
    driver.get(f"{server.url}/admin/exercises/{exercise}")
    WebDriverWait(driver, 10).until(ready.presence_of_element_located((By.ID, "exercise-form")))
    top = driver.find_element(By.CSS_SELECTOR, "#levels > .level[data-number='3']")
    Select(top.find_element(By.CSS_SELECTOR, "select[data-library]")).select_by_visible_text("Price objection, done well")
    address = top.find_element(By.CSS_SELECTOR, "[data-name='modelVideo']")
    assert address.get_attribute("value").startswith("media:") and not address.is_displayed()
    # Going back to "no video from the library" gives the address field back, empty, to type one.
    Select(top.find_element(By.CSS_SELECTOR, "select[data-library]")).select_by_index(0)
    assert address.is_displayed() and address.get_attribute("value") == ""
    Select(top.find_element(By.CSS_SELECTOR, "select[data-library]")).select_by_visible_text("Price objection, done well")
    driver.find_element(By.CSS_SELECTOR, "#preview-levels button[data-level='3']").click()
    settle(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#preview video.model"))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.querySelector('#preview video.model'); return !!v && v.readyState >= 1"))
    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))

    # Lea, at full support, plays that video; the address she is given is the library's.
    driver.delete_all_cookies()
    sign_in(driver, server, "lea@example.org", PASSWORD)
    driver.get(f"{server.url}/learn/exercises/{exercise}")
    video = driver.find_element(By.CSS_SELECTOR, "video.model")
    assert "/api/v1/media-items/" in video.get_attribute("src") and video.get_attribute("poster").endswith("poster.jpg")
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.querySelector('video.model'); return !!v && v.duration > 4"))
    assert driver.find_elements(By.CSS_SELECTOR, ".model-error") == []
    shoot(driver, "exercise-library-video")
    # The library itself is not hers to browse, and the video stops being hers once the support is withdrawn.
    token = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "lea@example.org").stdout.strip()}
    assert requests.get(server.url + "/api/v1/media-items", headers=token).status_code == 403
    assert requests.get(server.url + video.get_attribute("src").replace(server.url, ""), headers=token).status_code == 200
    lea = requests.get(server.url + "/api/v1/me", headers=token).json()["user"]["id"]
    placed = requests.put(f"{server.url}/api/v1/exercises/{exercise}/scaffolding/{lea}", headers={"Authorization": f"Bearer {admin}"},
                          json={"level": 1, "reason": "Ready for less help"})
    assert placed.status_code == 200, placed.text
    assert requests.get(video.get_attribute("src"), headers=token).status_code == 404


def test_a_clip_to_respond_to_is_uploaded_in_the_builder_and_the_learner_watches_it_before_recording(service, browser):
    server = service["server"]
    exercise, admin = course(service)
    email, password = re.search(r"First administrator: (\S+) / (\S+)", server.banner).groups()
    driver = browser
    sign_in(driver, server, email, password)
    # The administrator gives the exercise the customer's opening words to respond to, uploading
    # the clip right in the builder (it goes to the library in resumable pieces, as attempts do).
    driver.get(f"{server.url}/admin/exercises/{exercise}")
    WebDriverWait(driver, 10).until(ready.presence_of_element_located((By.ID, "exercise-form")))
    field = driver.find_element(By.ID, "stimulus-field")
    assert "Clip to respond to" in field.text
    field.find_element(By.CSS_SELECTOR, "input[data-upload]").send_keys(str(FIXTURES / "h264_aac.mp4"))
    settle(driver, lambda d: d.find_element(By.ID, "ex-stimulus").get_attribute("value").startswith("media:"), timeout=60)
    state = field.find_element(By.CSS_SELECTOR, "[data-upload-state]").text
    assert "is in the library" in state, state
    clip = driver.find_element(By.ID, "ex-stimulus").get_attribute("value")
    assert Select(driver.find_element(By.ID, "ex-stimulus-library")).first_selected_option.get_attribute("value") == clip
    # The list names the clip; its internal reference is not shown as an address.
    assert not driver.find_element(By.ID, "ex-stimulus").is_displayed()
    driver.execute_script("arguments[0].scrollIntoView()", field)
    shoot(driver, "builder-stimulus")
    driver.find_element(By.CSS_SELECTOR, "#exercise-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))
    saved = requests.get(f"{server.url}/api/v1/exercises/{exercise}", headers={"Authorization": f"Bearer {admin}"}).json()
    assert saved["stimulus"] == clip
    # The library lists it as a clip to respond to and prepares it like any video.
    driver.get(server.url + "/library")
    settle(driver, lambda d: "Ready" in d.find_element(By.CSS_SELECTOR, "#library-items li").text, timeout=120)
    assert "Clip to respond to" in driver.find_element(By.CSS_SELECTOR, "#library-items li").text

    # Lea sees it first, at the top level and once every support is withdrawn.
    driver.delete_all_cookies()
    sign_in(driver, server, "lea@example.org", PASSWORD)
    driver.get(f"{server.url}/learn/exercises/{exercise}")
    section = driver.find_element(By.CSS_SELECTOR, "section.stimulus")
    assert "Watch this first" in section.text and "Respond to this clip" in section.text
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("const v = document.querySelector('section.stimulus video'); return !!v && v.duration > 4"))
    check_accessible(driver)
    shoot(driver, "exercise-stimulus")
    # In Dutch the same card asks her to watch it first.
    driver.find_element(By.CSS_SELECTOR, "form.language button[value=nl]").click()
    settle(driver, lambda d: "Bekijk dit eerst" in d.find_element(By.CSS_SELECTOR, "section.stimulus").text)
    shoot(driver, "exercise-stimulus-nl")
    driver.find_element(By.CSS_SELECTOR, "form.language button[value=en]").click()
    settle(driver, lambda d: "Watch this first" in d.find_element(By.CSS_SELECTOR, "section.stimulus").text)
    token = {"Authorization": "Bearer " + admin_run(service, "create-token", "--email", "lea@example.org").stdout.strip()}
    lea = requests.get(server.url + "/api/v1/me", headers=token).json()["user"]["id"]
    placed = requests.put(f"{server.url}/api/v1/exercises/{exercise}/scaffolding/{lea}", headers={"Authorization": f"Bearer {admin}"},
                          json={"level": 0, "reason": "On her own"})
    assert placed.status_code == 200, placed.text
    driver.refresh()
    src = driver.find_element(By.CSS_SELECTOR, "section.stimulus video").get_attribute("src")
    assert driver.find_elements(By.CSS_SELECTOR, "#supports-title") and not driver.find_elements(By.CSS_SELECTOR, ".support video.model")
    assert requests.get(src, headers=token).status_code == 200

    # A Dutch-speaking administrator finds the clip chosen in the builder, in her words.
    driver.delete_all_cookies()
    sign_in(driver, server, email, password)
    driver.find_element(By.CSS_SELECTOR, "form.language button[value=nl]").click()
    settle(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl")
    driver.get(f"{server.url}/admin/exercises/{exercise}")
    field = driver.find_element(By.ID, "stimulus-field")
    assert "Fragment om op te reageren" in field.text, field.text
    assert Select(driver.find_element(By.ID, "ex-stimulus-library")).first_selected_option.get_attribute("value") == clip
    driver.execute_script("arguments[0].scrollIntoView()", field)
    shoot(driver, "builder-stimulus-nl")
