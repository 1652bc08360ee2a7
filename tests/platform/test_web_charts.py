"""Chart plumbing: JSON safe inside <script>, plotly.js served locally (gzip, ETag), the
plotly locale in Italian."""

from __future__ import annotations

import gzip
import json

from flask.testing import FlaskClient

from smarttouch.platform.web import charts


def test_json_cannot_close_the_script_element() -> None:
    text = charts.to_json({"label": "</script><script>alert(1)</script> & \u2028"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["label"].startswith("</script>")


def test_plotly_js_is_served_from_the_package(client: FlaskClient) -> None:
    response = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.get_data())
    assert b"plotly.js" in body[:2000] and len(body) > 1_000_000
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert client.get("/static/vendor/plotly.min.js", headers={"If-None-Match": etag}).status_code == 304
    plain = client.get("/static/vendor/plotly.min.js")
    assert "Content-Encoding" not in plain.headers and plain.get_data() == body


def test_plotly_locale_has_italian_names() -> None:
    spec = json.loads(charts.plotly_locale("it"))
    assert spec["format"]["months"][0].lower() == "gennaio"
    assert spec["format"]["shortDays"][0].lower().startswith("dom")  # weeks start on Sunday
    assert spec["format"]["decimal"] == ","
