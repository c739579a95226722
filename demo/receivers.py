"""The receiving side reports back through the feedback API, as a Doorstroompunt and a gemeente would.

The Doorstroompunt lists its open meldingen (``GET /api/v1/feedback/open``) and reports on each
of its no-shows (seed 000): started at an mbo or elsewhere WITH the date the student started, not
started but in begeleiding (written with a hyphen: the gateway accepts it for the en dash), out of
sight. It posts its first outcome twice: the gateway keeps it once. A gemeente's Leerplicht closes
one of its meldingen with the Besluit's reden, toelichting and its contactpersoon.

(The silent receiver the demo flags late is at DUO, ``demo.after.leave_unhandled``: a no-show the
DSP got by mail is not flagged today, as ``receiver_deadlines`` takes the mail channel's receipt
status "Verzonden" for a report; see docs/demo.md, Known limits.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from typing import Any

import httpx

from demo.api import TIMEOUT, Api
from demo.college import LOCATIONS
from demo.progress import DemoFailure
from gateway.console.receivers import create_receiver_key
from gateway.delivery.routing import DirectoryData
from gateway.domain.lifecycle import State
from gateway.store import Store

OPEN_PAGE = 200  # the open list's largest page
GEMEENTE = "0400"  # Den Helder: its Leerplicht closes one melding
CONTACTPERSOON = {"naam": "Marieke Visser", "functie": "leerplichtambtenaar", "telefoon": "0223-678900",
                  "email": "leerplicht@denhelder.example"}
CLOSING = {"reden": "terug_naar_school", "toelichting_afsluiting": "gezien_door_gemeente"}


@dataclass(frozen=True)
class Outcome:
    """One outcome the Doorstroompunt reports on a no-show."""

    status: str
    started_on: date | None = None
    toelichting: str = ""

    def body(self, melding_id: str) -> dict[str, Any]:
        """The request body of ``POST /api/v1/feedback``."""
        body: dict[str, Any] = {"melding_id": melding_id, "status": self.status,
                                "toelichting": self.toelichting or None}
        if self.started_on is not None:
            body["started_on"] = self.started_on.isoformat()
        return body


# Each of seed 000's outcomes, one per open no-show; starts before 1 October and after it.
OUTCOMES = (
    Outcome("Gestart bij mbo", date(2026, 9, 21), "Ingeschreven bij een andere opleiding van het ROC."),
    Outcome("Gestart elders", date(2026, 10, 5), "Gestart bij een opleiding in Alkmaar."),
    Outcome("Niet gestart - in begeleiding", None, "Trajectbegeleider van het RMC is betrokken."),
    Outcome("Uit beeld", None, "Niet bereikt op adres, telefoon en e-mail."),
    Outcome("Gestart bij mbo", date(2026, 9, 28), "Gestart bij de Entree-opleiding van het ROC."),
)


@dataclass
class Reports:
    """What the receivers reported, for the checks and the summary."""

    posted: list[tuple[str, str, date | None]] = field(default_factory=list)  # (melding, status, started_on)
    repeated: str = ""  # the melding whose outcome was posted twice
    repeated_same: bool = False  # the second post answered as the first
    closed: str = ""  # the melding the gemeente closed
    closed_state: str = ""
    open_seen: dict[str, int] = field(default_factory=dict)  # organisation -> open meldingen listed


def _answer(response: httpx.Response, what: str) -> Any:
    if response.status_code != HTTPStatus.OK:
        raise DemoFailure(f"{what}: de terugkoppel-API antwoordde {response.status_code}: "
                          f"{response.text[:300]}")
    return response.json()


class Receiver:
    """One receiving organisation with its own key, talking to the feedback API."""

    def __init__(self, api: Api, store: Store, directory: DirectoryData, organisation: str) -> None:
        self.organisation = organisation
        _, key = create_receiver_key(store, organisation, label="demo", actor="demo:beheer",
                                     directory=directory)
        self.client = httpx.Client(base_url=api.url, timeout=TIMEOUT,
                                   headers={"Authorization": f"Bearer {key}"})

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def open_meldingen(self) -> list[dict[str, Any]]:
        """Every open melding of the organisation (all pages), as the API lists them."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = _answer(self.client.get("/api/v1/feedback/open",
                                           params={"limit": OPEN_PAGE, "offset": offset}),
                           f"open meldingen van {self.organisation}")
            items += page["items"]
            if not page.get("next"):
                return items
            offset += OPEN_PAGE

    def report(self, body: dict[str, Any]) -> dict[str, Any]:
        """Post one report; the melding as the gateway answers."""
        data: dict[str, Any] = _answer(self.client.post("/api/v1/feedback", json=body),
                                       f"terugkoppeling van {self.organisation} op {body['melding_id']}")
        return data


def dsp_reports(receiver: Receiver, reports: Reports, details: list[str]) -> None:
    """The Doorstroompunt reports on each of its open no-shows, the first outcome twice."""
    open_items = sorted((i for i in receiver.open_meldingen() if i["rule"] == "no-show"),
                        key=lambda i: str(i["melding_id"]))
    reports.open_seen[receiver.organisation] = len(open_items)
    if not open_items or len(open_items) > len(OUTCOMES):
        raise DemoFailure(f"{receiver.organisation} heeft {len(open_items)} open no-shows; de demo heeft "
                          f"een uitkomst voor 1 tot {len(OUTCOMES)}")
    details.append(f"{receiver.organisation}: {len(open_items)} open no-show-meldingen "
                   "(GET /api/v1/feedback/open)")
    for item, outcome in zip(open_items, OUTCOMES, strict=False):
        melding_id = str(item["melding_id"])
        answer = receiver.report(outcome.body(melding_id))
        reports.posted.append((melding_id, str(answer["receiver_status"]), outcome.started_on))
        start = f", gestart op {outcome.started_on:%d-%m-%Y}" if outcome.started_on else ""
        details.append(f"  {melding_id[:8]}… '{outcome.status}'{start} -> '{answer['receiver_status']}', "
                       f"melding {answer['status']}")
    first_id, first = str(open_items[0]["melding_id"]), OUTCOMES[0]
    before = reports.posted[0][1]
    again = receiver.report(first.body(first_id))
    reports.repeated, reports.repeated_same = first_id, again["receiver_status"] == before
    details.append(f"  {first_id[:8]}… '{first.status}' nog eens gestuurd: zelfde antwoord, één keer bewaard")


def gemeente_closes(receiver: Receiver, reports: Reports, details: list[str]) -> None:
    """The gemeente's Leerplicht closes the first of its meldingen DUO has in behandeling."""
    open_items = receiver.open_meldingen()
    reports.open_seen[receiver.organisation] = len(open_items)
    candidates = sorted((i for i in open_items if i["status"] == State.IN_BEHANDELING.value
                         and i["rule"] != "no-show"), key=lambda i: str(i["melding_id"]))
    if not candidates:
        raise DemoFailure(f"{receiver.organisation} heeft geen melding in behandeling om af te sluiten "
                          f"({len(open_items)} open)")
    melding_id = str(candidates[0]["melding_id"])
    answer = receiver.report({"melding_id": melding_id, "status": "Afgesloten", **CLOSING,
                              "contactpersoon": CONTACTPERSOON,
                              "toelichting": "Gesprek met student en ouders gehad; de student is terug."})
    reports.closed, reports.closed_state = melding_id, str(answer["status"])
    details.append(f"{receiver.organisation}: {len(open_items)} open meldingen; sluit {melding_id[:8]}… "
                   f"({candidates[0]['rule']}) af: reden {CLOSING['reden']}, toelichting "
                   f"{CLOSING['toelichting_afsluiting']}, contactpersoon {CONTACTPERSOON['functie']} "
                   f"-> melding {answer['status']}")


def receivers_report(api: Api, store: Store, directory: DirectoryData, details: list[str]) -> Reports:
    """The Doorstroompunt of the first location and the Leerplicht of Den Helder report back."""
    reports = Reports()
    dsp = LOCATIONS[0].receiver
    if dsp is None:
        raise DemoFailure(f"{LOCATIONS[0].name} heeft geen Doorstroompunt dat terugkoppelt")
    for organisation, act in ((dsp, dsp_reports), (f"leerplicht-{GEMEENTE}", gemeente_closes)):
        receiver = Receiver(api, store, directory, organisation)
        try:
            act(receiver, reports, details)
        finally:
            receiver.close()
    return reports
