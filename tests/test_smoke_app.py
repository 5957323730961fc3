"""The app starts and its basic pages answer."""


def test_home_redirects_to_current_event(client, make_event):
    make_event(slug="wad2025")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/events/wad2025/")


def test_home_lists_nothing_when_there_is_no_event(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert b"No event is published yet." in response.data


def test_health_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
