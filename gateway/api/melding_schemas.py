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

MELDING_ID_EXAMPLE = "0b8f2a9e-6d55-5c1e-9a31-4c3d0f0e9d11"
MISSING_EXAMPLE: list[Any] = [
    {"field": "vermoedelijke_reden", "label": "vermoedelijke reden van het verzuim"}]
SPECIFICATION_EXAMPLE: dict[str, Any] = {"verzuimdagen": 3, "verzuimuren": 16.5, "alle_lessen_gemist": False}
SOORT_EXAMPLE: dict[str, Any] = {
    "code": "ZESTIEN_UUR_IN_VIER_LESWEKEN",
    "label": "ongeoorloofd verzuim van in totaal 16 uur in 4 opeenvolgende lesweken"}
MELDING_EXAMPLE: dict[str, Any] = {
    "id": MELDING_ID_EXAMPLE, "school_id": "25AB00", "student_id": "25AB-100001",
    "rule": "verzuim-16u", "kind": "melding", "recipient": "leerplicht", "route": "duo",
    "status": "concept", "trigger_date": "2026-09-22", "period_start": "2026-09-01",
    "period_end": "2026-09-22", "due_date": "2026-09-29", "hours": 16.5,
    "receiver_status": None, "signal": {"rule": "verzuim-16u"}, "missing": MISSING_EXAMPLE,
    "specification": SPECIFICATION_EXAMPLE, "vermoedelijke_soort": SOORT_EXAMPLE,
}


class MissingField(BaseModel):
    """A field a person must still fill in before the melding may go: its name and Dutch label."""

    field: str = Field(examples=["vermoedelijke_reden"], description="Naam van het veld in de inhoud")
    label: str = Field(examples=["vermoedelijke reden van het verzuim"],
                       description="Naam van het veld voor mensen")


class SoortOut(BaseModel):
    """The vermoedelijke soort verzuim: one of the Besluit Verzuimmelding's five kinds."""

    code: str = Field(examples=["ZESTIEN_UUR_IN_VIER_LESWEKEN"],
                      description="Code van de soort verzuim (Besluit)")
    label: str = Field(description="Omschrijving van de soort verzuim")


class SpecificationOut(BaseModel):
    """Computed from the evidence: verzuimdagen, verzuimuren, whether all lessons were missed."""

    verzuimdagen: int = Field(description="Aantal dagen met ongeoorloofd verzuim in de periode")
    verzuimuren: float = Field(description="Aantal uren ongeoorloofd verzuim in de periode")
    alle_lessen_gemist: bool = Field(description="Of de student in de periode alle lessen miste")


def missing_out(names: list[str] | tuple[str, ...] | None) -> list[MissingField] | None:
    """Field names as ``MissingField`` entries (None stays None: never judged)."""
    return None if names is None else [MissingField(field=n, label=field_label(n)) for n in names]


def soort_out(soort: Soort | None) -> SoortOut | None:
    """The soort as a body (None: not a verzuimmelding)."""
    return None if soort is None else SoortOut(code=soort.code, label=soort.label)


class MeldingOut(BaseModel):
    """A melding and its status (no personal data), with what the completeness gate says of it."""

    model_config = ConfigDict(json_schema_extra={"examples": [MELDING_EXAMPLE]})

    id: str = Field(description="Id van de melding (gelijk aan `message_id`)")
    school_id: str = Field(description="Id van de school")
    business_id: str = Field("", description="Zakelijke sleutel: school, student, regel en periode")
    message_id: str = Field("", description="Kenmerk van het bericht aan de ontvanger (uuid5 van de "
                                            "zakelijke sleutel)")
    student_id: str = Field(description="Studentnummer in het administratiesysteem van de school")
    rule: str = Field(description="Regel uit de catalogus die de melding maakte (of de soort bij een "
                                  "handmatige melding)")
    kind: str = Field(description="Soort: `melding` (naar een ontvanger), `taak` of `signaal` (voor de "
                                  "school)")
    recipient: str = Field(description="Ontvanger: leerplicht, rmc, dsp, duo-ib of school")
    route: str | None = Field(None, description="Kanaal van verzending (`duo` of `mail`); null als de "
                                                "melding niet wordt verzonden")
    status: str = Field(description="Status van de melding in de gateway (bijvoorbeeld concept, verzonden)")
    trigger_date: date = Field(description="Dag waarop de regel afging")
    period_start: date = Field(description="Eerste dag van de verzuimperiode")
    period_end: date | None = Field(None, description="Laatste dag van de verzuimperiode; null als die nog "
                                                      "loopt")
    due_date: date | None = Field(None, description="Uiterste dag om te melden (wettelijke termijn)")
    hours: float | None = Field(None, description="Verzuimde uren die de regel telde")
    profile_stamp: str = Field("", description="Versie van het regelprofiel waarmee de melding is gemaakt")
    receiver_reference: str | None = Field(None, description="Kenmerk van de ontvanger "
                                                             "(ontvangstbevestiging)")
    receiver_status: str | None = Field(None, description="Laatst gemelde status van de ontvanger")
    last_error: str | None = Field(None, description="Laatste fout bij het verzenden; null als er geen is")
    approved_by: str | None = Field(None, description="Wie de melding goedkeurde")
    created_at: Instant | None = Field(None, description="Moment van aanmaken (UTC)")
    updated_at: Instant | None = Field(None, description="Moment van de laatste wijziging (UTC)")
    signal: dict[str, Any] = Field(default_factory=dict,
                                   description="Het signaal van de regel zoals de engine het gaf")
    missing: list[MissingField] | None = Field(
        None, description="Velden die iemand nog moet invullen (leeg: volledig); null als de "
                          "volledigheidscontrole de melding nooit beoordeelde (een interne taak of signaal)")
    specification: SpecificationOut | None = Field(None, description="Berekend uit het bewijs")
    vermoedelijke_soort: SoortOut | None = Field(None, description="Null als het geen verzuimmelding is")

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
        "items": [MELDING_EXAMPLE], "total": 250, "limit": 100, "offset": 0,
        "next": "/api/v1/schools/25AB00/meldingen?limit=100&offset=100"}]})

    items: list[MeldingOut] = Field(description="De meldingen op deze pagina")
    total: int = Field(description="Aantal meldingen dat aan de filters voldoet, over alle pagina's")
    limit: int = Field(description="Hoogstens zoveel meldingen per pagina")
    offset: int = Field(description="Aantal overgeslagen meldingen vóór deze pagina")
    next: str | None = Field(None, json_schema_extra={"format": "uri-reference"},
                             description="Pad en query van de volgende pagina; null op de laatste")


class ContentOut(BaseModel):
    """A melding's content: what the school stored, what it resolves to with the SIS's values and
    the profile's defaults, what is still missing, and whether it may still change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "melding_id": MELDING_ID_EXAMPLE, "status": "concept",
        "stored": {"actie_gewenst": True, "toelichting": "Graag een huisbezoek"},
        "resolved": {"actie_gewenst": True, "toelichting": "Graag een huisbezoek",
                     "leslocatie": "Hoofdlocatie Stationsplein", "phone": "06-12345678"},
        "missing": MISSING_EXAMPLE, "editable": True, "specification": SPECIFICATION_EXAMPLE,
        "vermoedelijke_soort": SOORT_EXAMPLE}]})

    melding_id: str = Field(description="Id van de melding")
    status: str = Field(description="Status van de melding in de gateway")
    stored: dict[str, Any] = Field(description="Wat iemand invulde (velden zonder besluit weggelaten)")
    resolved: dict[str, Any] = Field(description="De inhoud waarmee de melding verzonden wordt")
    missing: list[MissingField] = Field(description="Velden die nog ingevuld moeten worden (leeg: volledig)")
    editable: bool = Field(description="False zodra de melding verzonden of ingetrokken is")
    specification: SpecificationOut | None = Field(None, description="Berekend uit het bewijs")
    vermoedelijke_soort: SoortOut | None = Field(None, description="Null als het geen verzuimmelding is")


class StatusOut(BaseModel):
    """A melding's status after saving its content or approving it, and the fields still missing."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "melding_id": MELDING_ID_EXAMPLE, "status": "concept", "missing": MISSING_EXAMPLE}]})

    melding_id: str = Field(description="Id van de melding")
    status: str = Field(description="Status van de melding na het verzoek")
    missing: list[MissingField] = Field(default_factory=list,
                                        description="Velden die nog ingevuld moeten worden (leeg: volledig)")


class ManualIn(BaseModel):
    """A melding no rule produced (beginnend verzuim, signaalverzuim, a zorgmelding "vanaf het eerste
    uur"): for whom, which kind, since when, and optionally its content. Filing the same student,
    kind and start date again answers with the first melding."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "student_id": "25AB-100001", "kind": "signaalverzuim", "period_start": "2026-09-14",
        "content": {"vermoedelijke_reden": "Zorgen over de thuissituatie", "actie_gewenst": True,
                    "toelichting": "Graag een huisbezoek"}}]})

    student_id: Annotated[StrictStr, Field(min_length=1, max_length=200,
                                           description="Studentnummer van een aangeleverde student")]
    kind: Annotated[StrictStr, Field(max_length=40, json_schema_extra={"enum": list(MANUAL_KINDS)},
                                     description="Soort melding")]
    period_start: CalendarDay = Field(description="Eerste dag van het verzuim (of van de zorg)")
    period_end: CalendarDay | None = Field(None, description="Laatste dag; leeg als het verzuim nog loopt")
    content: ContentIn | None = Field(None, description="Inhoud om meteen in te vullen; later aan te vullen")
