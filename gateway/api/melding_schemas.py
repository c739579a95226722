"""Bodies of the meldingen endpoints: a melding with what the gate says of it, its content, a manual
melding to file, and the answers of saving, approving and filing (no personal data in a melding's
listing; the content endpoint carries what the school filled in)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.api.schemas import Instant
from gateway.domain.melding_content import field_label
from gateway.domain.soort_verzuim import MANUAL_KINDS, Soort, vermoedelijke_soort
from gateway.domain.values import CalendarDay, StrictStr
from gateway.intake.melding_content import ContentIn
from gateway.store import MeldingView

MISSING_EXAMPLE: list[Any] = [
    {"field": "vermoedelijke_reden", "label": "vermoedelijke reden van het verzuim"}]


class MissingField(BaseModel):
    """A field a person must still fill in before the melding may go: its name and Dutch label."""

    field: str = Field(examples=["vermoedelijke_reden"])
    label: str = Field(examples=["vermoedelijke reden van het verzuim"])


class SoortOut(BaseModel):
    """The vermoedelijke soort verzuim: one of the Besluit Verzuimmelding's five kinds."""

    code: str = Field(examples=["ZESTIEN_UUR_IN_VIER_LESWEKEN"])
    label: str


class SpecificationOut(BaseModel):
    """Computed from the evidence: verzuimdagen, verzuimuren, whether all lessons were missed."""

    verzuimdagen: int
    verzuimuren: float
    alle_lessen_gemist: bool


def missing_out(names: list[str] | tuple[str, ...] | None) -> list[MissingField] | None:
    """Field names as ``MissingField`` entries (None stays None: never judged)."""
    return None if names is None else [MissingField(field=n, label=field_label(n)) for n in names]


def soort_out(soort: Soort | None) -> SoortOut | None:
    """The soort as a body (None: not a verzuimmelding)."""
    return None if soort is None else SoortOut(code=soort.code, label=soort.label)


class MeldingOut(BaseModel):
    """A melding and its status (no personal data), with what the completeness gate says of it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0b8f2a9e-6d55-5c1e-9a31-4c3d0f0e9d11", "school_id": "25AB00", "student_id": "25AB-100001",
        "rule": "verzuim-16u", "kind": "melding", "recipient": "leerplicht", "route": "duo",
        "status": "concept", "trigger_date": "2026-09-22", "period_start": "2026-09-01",
        "period_end": "2026-09-22", "due_date": "2026-09-29", "hours": 16.5,
        "receiver_status": None, "signal": {"rule": "verzuim-16u"}, "missing": MISSING_EXAMPLE,
        "specification": {"verzuimdagen": 3, "verzuimuren": 16.5, "alle_lessen_gemist": False},
        "vermoedelijke_soort": {
            "code": "ZESTIEN_UUR_IN_VIER_LESWEKEN",
            "label": "ongeoorloofd verzuim van in totaal 16 uur in 4 opeenvolgende lesweken"},
    }]})

    id: str
    school_id: str
    business_id: str = ""
    message_id: str = ""
    student_id: str
    rule: str
    kind: str
    recipient: str
    route: str | None = None
    status: str
    trigger_date: date
    period_start: date
    period_end: date | None = None
    due_date: date | None = None
    hours: float | None = None
    profile_stamp: str = ""
    receiver_reference: str | None = None
    receiver_status: str | None = None
    last_error: str | None = None
    approved_by: str | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None
    signal: dict[str, Any] = Field(default_factory=dict)
    missing: list[MissingField] | None = Field(
        None, description="Fields a person must still fill in (empty: complete); null when the gate "
                          "never judged the melding (an internal task or signal)")
    specification: SpecificationOut | None = Field(None, description="Computed from the evidence")
    vermoedelijke_soort: SoortOut | None = Field(None, description="Null when it is no verzuimmelding")

    @classmethod
    def of(cls, view: MeldingView) -> MeldingOut:
        """The body of a stored melding."""
        data = view.to_json()
        data["missing"] = missing_out(view.missing)
        soort = vermoedelijke_soort(view.rule) if view.kind == "melding" else None
        data["vermoedelijke_soort"] = soort_out(soort)
        return cls.model_validate(data)


class MeldingList(BaseModel):
    """A page of meldingen, newest trigger date first: ``total`` counts every match, ``next`` is the
    link to the following page (absent on the last one)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [], "total": 250, "limit": 100, "offset": 0,
        "next": "/api/v1/schools/25AB00/meldingen?limit=100&offset=100"}]})

    items: list[MeldingOut]
    total: int = Field(description="Number of meldingen matching the filters, over all pages")
    limit: int
    offset: int
    next: str | None = Field(None, json_schema_extra={"format": "uri-reference"},
                             description="Path and query of the next page; null on the last page")


class ContentOut(BaseModel):
    """A melding's content: what the school stored, what it resolves to with the SIS's values and
    the profile's defaults, what is still missing, and whether it may still change."""

    melding_id: str
    status: str
    stored: dict[str, Any] = Field(description="What a person filled in (undecided fields left out)")
    resolved: dict[str, Any] = Field(description="The content the melding goes out with")
    missing: list[MissingField]
    editable: bool = Field(description="False once the melding went out or was withdrawn")
    specification: SpecificationOut | None = None
    vermoedelijke_soort: SoortOut | None = None


class StatusOut(BaseModel):
    """A melding's status after saving its content or approving it, and the fields still missing."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "melding_id": "0b8f2a9e-6d55-5c1e-9a31-4c3d0f0e9d11", "status": "concept",
        "missing": MISSING_EXAMPLE}]})

    melding_id: str
    status: str
    missing: list[MissingField] = Field(default_factory=list)


class ManualIn(BaseModel):
    """A melding no rule produced (beginnend verzuim, signaalverzuim, a zorgmelding "vanaf het eerste
    uur"): for whom, which kind, since when, and optionally its content. Filing the same student,
    kind and start date again answers with the first melding."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "student_id": "25AB-100001", "kind": "signaalverzuim", "period_start": "2026-09-14",
        "content": {"vermoedelijke_reden": "Zorgen over de thuissituatie", "actie_gewenst": True,
                    "toelichting": "Graag een huisbezoek"}}]})

    student_id: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    kind: Annotated[StrictStr, Field(max_length=40, json_schema_extra={"enum": list(MANUAL_KINDS)})]
    period_start: CalendarDay
    period_end: CalendarDay | None = None
    content: ContentIn | None = None
