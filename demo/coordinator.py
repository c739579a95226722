"""The verzuimcoördinator at work, through the push API over HTTP: fill in what the gate asks, approve.

For each melding in the review queue (``GET .../meldingen?status=concept``) the coördinator reads
its content (``GET .../inhoud``), fills in what is missing (``PUT .../inhoud``, the texts of
``demo.content``) and approves it (``POST .../goedkeuren``). Two meldingen are left incomplete on
purpose (``HOLDS``): the gate keeps them in the queue with what they wait for named, and they are
never delivered. The coördinator also files one manual zorgmelding (``POST .../meldingen``), twice,
to show that the second filing returns the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import httpx

from demo.api import Api
from demo.college import LOCATIONS, Location
from demo.content import answers
from demo.progress import DemoFailure
from demo.services import school_email
from gateway.domain.completeness import describe_missing
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES

PAGE = 500  # the list endpoint's largest page
MANUAL_KIND = "zorgmelding"
MANUAL_SINCE_DAYS = 10  # the zorgmelding's period starts this many days before today
MANUAL_STUDENT_INDEX = 3  # which regular student of the Utrecht location gets the zorgmelding


@dataclass(frozen=True)
class Hold:
    """A melding the coördinator leaves incomplete on purpose: which one, what is left open, why."""

    rules: frozenset[str]
    needs: str  # a field the melding must miss for this hold to fit it
    leave: frozenset[str]
    why: str


HOLDS = (
    Hold(frozenset({"verzuim-16u", "herhaalmelding"}), "concerns",
         frozenset({"concerns", "agreements", "asked_of_rmc"}),
         "de coördinator spreekt de student (18+) eerst: zorgen en afspraken volgen"),
    Hold(frozenset({"te-laat"}), "vermoedelijke_reden", frozenset({"vermoedelijke_reden", "actions_taken"}),
         "de mentor spreekt de student nog over de reden"),
)


@dataclass
class Coordination:
    """What the coördinator did: meldingen filled in and approved, held on purpose, the manual one."""

    filled: int = 0
    approved: int = 0
    held: dict[str, str] = field(default_factory=dict)  # melding id -> why it waits
    unused_holds: list[Hold] = field(default_factory=lambda: list(HOLDS))
    manual_id: str = ""
    manual_again_id: str = ""
    manual_created_again: bool | None = None
    problems: list[str] = field(default_factory=list)  # meldingen that wait, not on purpose


def _answer(response: httpx.Response, what: str) -> Any:
    """The JSON of a successful answer (None when it has no body); ``DemoFailure`` naming the
    request and the answer otherwise."""
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        raise DemoFailure(f"{what}: de push-API antwoordde {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def _queue(client: httpx.Client, school_id: str) -> list[dict[str, Any]]:
    """The school's meldingen in the review queue (every page), by id."""
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = _answer(client.get(f"/api/v1/schools/{school_id}/meldingen",
                                  params={"status": "concept", "limit": PAGE, "offset": offset}),
                       "meldingen in de wachtrij lezen")
        items += page["items"]
        offset += PAGE
        if not page.get("next") or not page["items"]:
            return sorted(items, key=lambda item: str(item["id"]))


def field_names(missing: list[Any] | None) -> list[str]:
    """The names of the missing fields as the API gives them (``{"field": ..., "label": ...}``)."""
    return [str(m["field"]) if isinstance(m, dict) else str(m) for m in missing or ()]


def melder_of(location: Location) -> dict[str, str]:
    """The location's verzuimcoördinator as the melder (the same as its school settings)."""
    return {"naam": location.coordinator, "functie": "verzuimcoördinator", "telefoon": location.phone,
            "email": school_email(location)}


def _wanted(missing: list[str], leave: frozenset[str]) -> set[str]:
    """The fields to fill: what is missing (minus what is left open), and the toelichting with a
    newly answered actie gewenst (the gate asks for it only once actie gewenst is answered)."""
    wanted = set(missing) - leave
    if "actie_gewenst" in wanted:
        wanted.add("toelichting")
    return wanted


class Coordinator:
    """One location's verzuimcoördinator, talking to the push API with the school's key."""

    def __init__(self, api: Api, location: Location, work: Coordination) -> None:
        self.location, self.work = location, work
        self.base = f"/api/v1/schools/{location.key}/meldingen"
        self.client = api.client(location.key)
        self.today = api.clock.today

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def content(self, melding_id: str) -> dict[str, Any]:
        """The melding's content with the gate's verdict (``GET .../inhoud``)."""
        data: dict[str, Any] = _answer(self.client.get(f"{self.base}/{melding_id}/inhoud"),
                                       f"inhoud van melding {melding_id} lezen")
        return data

    def missing(self, melding_id: str, review: dict[str, Any] | None = None) -> list[str]:
        """What the gate says the melding still misses: from its content review, else from the
        melding itself (``GET .../meldingen/{id}``, the list's ``missing``)."""
        review = self.content(melding_id) if review is None else review
        if "missing" not in review:
            review = _answer(self.client.get(f"{self.base}/{melding_id}"), f"melding {melding_id} lezen")
        return field_names(review.get("missing"))

    def _pick_hold(self, rule: str, missing: list[str]) -> Hold | None:
        for hold in self.work.unused_holds:
            if rule in hold.rules and hold.needs in missing:
                self.work.unused_holds.remove(hold)
                return hold
        return None

    def fill(self, melding_id: str, rule: str) -> list[str]:
        """Fill in what the melding misses (all of it, unless it is one of ``HOLDS``) and approve it
        when nothing is missing; returns what it still waits for."""
        review = self.content(melding_id)
        missing = self.missing(melding_id, review)
        if melding_id in self.work.held:
            return missing  # left open on purpose, at the first round already
        hold = self._pick_hold(rule, missing)
        leave = hold.leave if hold else frozenset()
        filled = answers(rule, self.today, leslocatie=SYNTHETIC_LESLOCATIES[0],
                         melder=melder_of(self.location))
        wanted = _wanted(missing, leave) & filled.keys()  # a student fact (enrolled_on) is the SIS's
        if wanted:
            body = {**(review.get("stored") or {}), **{k: filled[k] for k in sorted(wanted)}}
            saved = _answer(self.client.put(f"{self.base}/{melding_id}/inhoud", json=body),
                            f"inhoud van melding {melding_id} opslaan")
            self.work.filled += 1
            missing = self.missing(melding_id, saved if isinstance(saved, dict) else None)
        if hold is not None:
            self.work.held[melding_id] = hold.why
        elif not missing:
            _answer(self.client.post(f"{self.base}/{melding_id}/goedkeuren"),
                    f"melding {melding_id} goedkeuren")
            self.work.approved += 1
        return missing

    def fill_queue(self, details: list[str]) -> None:
        """Fill in and approve every melding in the school's review queue."""
        for item in _queue(self.client, self.location.key):
            melding_id, rule = str(item["id"]), str(item["rule"])
            missing = self.fill(melding_id, rule)
            if missing and melding_id not in self.work.held:
                problem = (f"melding {melding_id} ({rule}) blijft onverwacht wachten: "
                           f"{describe_missing(missing)}")
                self.work.problems.append(problem)
                details.append(f"PROBLEEM: {problem}")

    def file_manual(self, student_id: str) -> tuple[str, bool]:
        """File the zorgmelding (``POST .../meldingen``); returns its id and whether it is new."""
        body = {"student_id": student_id, "kind": MANUAL_KIND,
                "period_start": (self.today - timedelta(days=MANUAL_SINCE_DAYS)).isoformat(),
                "content": answers(MANUAL_KIND, self.today, leslocatie=SYNTHETIC_LESLOCATIES[0],
                                   melder=melder_of(self.location))}
        response = self.client.post(self.base, json=body)
        data = _answer(response, "handmatige zorgmelding indienen")
        melding_id = str(data.get("melding_id") or data.get("id") or "")
        if not melding_id:
            raise DemoFailure(f"handmatige zorgmelding: geen id in het antwoord ({response.text[:200]})")
        created = data.get("created")
        if created is None:  # no flag in the answer: 201 Created says it is new
            created = response.status_code == HTTPStatus.CREATED
        return melding_id, bool(created)


def coordinators(api: Api, work: Coordination) -> Iterator[Coordinator]:
    """One coördinator per location, in the college's order (the caller closes them)."""
    for location in LOCATIONS:
        yield Coordinator(api, location, work)


def fill_all(api: Api, work: Coordination, details: list[str]) -> None:
    """Every location's coördinator fills in and approves its review queue."""
    for coordinator in coordinators(api, work):
        try:
            coordinator.fill_queue(details)
        finally:
            coordinator.close()


def file_zorgmelding(api: Api, work: Coordination, student_id: str, details: list[str]) -> None:
    """The Utrecht coördinator files a zorgmelding twice (the second returns the first), then fills
    in what it still misses and approves it."""
    location = LOCATIONS[-1]
    coordinator = Coordinator(api, location, work)
    try:
        work.manual_id, created = coordinator.file_manual(student_id)
        if not created:
            raise DemoFailure(f"de handmatige zorgmelding voor {student_id} bestond al")
        work.manual_again_id, work.manual_created_again = coordinator.file_manual(student_id)
        missing = coordinator.fill(work.manual_id, MANUAL_KIND)
        if missing:
            raise DemoFailure(f"de handmatige zorgmelding wacht nog: {describe_missing(missing)}")
    finally:
        coordinator.close()
    same = "dezelfde melding" if work.manual_again_id == work.manual_id else "een NIEUWE melding"
    details.append(f"{location.name}: handmatige zorgmelding voor {student_id} ingediend "
                   f"({work.manual_id[:8]}…) en goedgekeurd; nog eens ingediend: {same}")


def manual_student(location: Location, numbers: dict[str, str], scenarios: dict[str, str]) -> str:
    """The store id of the regular student who gets the zorgmelding (deterministic)."""
    regular = sorted(sid for sid, scenario in scenarios.items() if scenario == "regulier")
    if len(regular) <= MANUAL_STUDENT_INDEX:
        raise DemoFailure(f"{location.name}: te weinig reguliere studenten voor de zorgmelding")
    return f"{location.brin}-{numbers[regular[MANUAL_STUDENT_INDEX]]}"


