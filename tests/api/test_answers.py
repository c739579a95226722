"""What the API answers (issue 15): timestamps with a time zone, paged lists with a total and a next link,
and the as-of day of a push taken in Europe/Amsterdam."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs

from gateway.intake.batch_checks import amsterdam_today
from tests.api.conftest import Api
from tests.api.helpers import CALENDAR, SCHOOL, absences, student

BASE = f"/api/v1/schools/{SCHOOL.id}"


def _meldingen(api: Api, n: int) -> None:
    """``n`` students with 16 unauthorised hours each: ``n`` meldingen."""
    ids = [f"99XX-{i}" for i in range(1, n + 1)]
    api.client.put(f"{BASE}/calendar", json=CALENDAR, headers=api.auth())
    api.client.post(f"{BASE}/students", json={"students": [student(s) for s in ids]}, headers=api.auth())
    records = [r for s in ids for r in absences(s)]
    response = api.client.post(f"{BASE}/attendance", json={"records": records}, headers=api.auth())
    assert response.json()["evaluation"]["meldingen_created"] == n, response.text


def test_timestamps_in_answers_carry_a_time_zone(api: Api) -> None:
    """created_at and updated_at are UTC with their offset, in the list and for one melding."""
    _meldingen(api, 1)
    [item] = api.client.get(f"{BASE}/meldingen", headers=api.auth()).json()["items"]
    one = api.client.get(f"{BASE}/meldingen/{item['id']}", headers=api.auth()).json()
    for stamp in (item["created_at"], item["updated_at"], one["created_at"]):
        assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp


def test_the_openapi_declares_the_timestamps_as_date_time(api: Api) -> None:
    """The schema says date-time (RFC 3339: with an offset), and the answers now keep that promise."""
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["MeldingOut"]
    assert {"type": "string", "format": "date-time"} in schema["properties"]["created_at"]["anyOf"]


def test_a_page_carries_the_total_and_a_next_link(api: Api) -> None:
    """Three meldingen, two per page: the first page says 3 and links to the second."""
    _meldingen(api, 3)
    page = api.client.get(f"{BASE}/meldingen", params={"limit": 2, "kind": "melding"},
                          headers=api.auth()).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    path, query = page["next"].split("?")
    assert path == f"{BASE}/meldingen"
    assert parse_qs(query) == {"limit": ["2"], "kind": ["melding"], "offset": ["2"]}


def test_following_the_next_link_reaches_the_last_page_which_has_none(api: Api) -> None:
    """The next link gives the remaining melding, and the last page has no next link."""
    _meldingen(api, 3)
    first = api.client.get(f"{BASE}/meldingen", params={"limit": 2}, headers=api.auth()).json()
    last = api.client.get(first["next"], headers=api.auth()).json()
    assert len(last["items"]) == 1 and last["total"] == 3 and last["next"] is None
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in last["items"]})


def test_the_total_counts_only_what_the_filters_match(api: Api) -> None:
    """A filter narrows the total as well as the page."""
    _meldingen(api, 2)
    page = api.client.get(f"{BASE}/meldingen", params={"student_id": "99XX-2"}, headers=api.auth()).json()
    assert page["total"] == 1 and page["next"] is None


def test_today_is_taken_in_amsterdam_not_utc() -> None:
    """At 23:30 UTC on 4 September it is already 5 September in the Netherlands (summer time)."""
    assert amsterdam_today(datetime(2026, 9, 4, 22, 30, tzinfo=UTC)) == date(2026, 9, 5)
    assert amsterdam_today(datetime(2026, 9, 4, 21, 59, tzinfo=UTC)) == date(2026, 9, 4)


def test_the_openapi_lists_the_values_a_filter_takes(api: Api) -> None:
    """`status` and `rule` are documented with every value that exists (others are refused)."""
    get = api.client.get("/openapi.json").json()["paths"]["/api/v1/schools/{school_id}/meldingen"]["get"]
    enums = {p["name"]: p["schema"]["enum"] for p in get["parameters"]
             if p["name"] in ("status", "rule")}
    assert "verzonden" in enums["status"] and "verzuim-16u" in enums["rule"]
