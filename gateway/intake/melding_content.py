"""What a person fills in on a melding, as it arrives from the console's form or the API: strict,
every field checked, an unknown field refused; problems are Dutch and name the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.domain.errors import InvalidInput
from gateway.domain.melding_content import (
    CONCERNS,
    CONTACT_WAYS,
    FIELD_LABELS,
    MAX_ITEM_TEXT,
    MAX_ITEMS,
    MAX_TEXT,
    Address,
    ContactAttempt,
    Melder,
    MeldingContent,
)
from gateway.domain.values import CalendarDay, PhoneNumber, StrictBool, StrictStr
from gateway.intake.validation import describe

Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)]
Short = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ITEM_TEXT)]
Postcode = Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]{3} ?[A-Z]{2}$")]
Email = Annotated[StrictStr, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class MelderIn(_Strict):
    """Who makes the melding (Besluit: naam, functie, telefoonnummer, e-mail)."""

    naam: Short = Field(description="Naam van de melder")
    functie: Short = Field(description="Functie van de melder, bijvoorbeeld verzuimcoördinator")
    telefoon: PhoneNumber = Field(description="Telefoonnummer van de melder")
    email: Email = Field(description="E-mailadres van de melder")


class AddressIn(_Strict):
    """An afwijkend verblijfadres."""

    straat: Short = Field(description="Straatnaam")
    huisnummer: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]{0,4}$")] = Field(description="Huisnummer")
    huisletter: Annotated[StrictStr, Field(pattern=r"^[A-Za-z]$")] | None = Field(
        None, description="Huisletter")
    toevoeging: Annotated[StrictStr, Field(min_length=1, max_length=4)] | None = Field(
        None, description="Huisnummertoevoeging")
    postcode: Postcode = Field(description="Postcode, bijvoorbeeld 3511 AB")
    locatieaanduiding: Annotated[StrictStr, Field(pattern=r"^(by|to)$")] | None = Field(
        None, description="`by` (bij) of `to` (tegenover)")
    plaatsnaam: Short = Field(description="Plaatsnaam")


class ContactAttemptIn(_Strict):
    """One attempt to reach a no-show: the date, how (one of CONTACT_WAYS), and what came of it."""

    on: CalendarDay = Field(description="Datum van de poging (niet in de toekomst)")
    how: StrictStr = Field(description=f"Hoe: {', '.join(CONTACT_WAYS)}")
    outcome: Short = Field(description="Wat de poging opleverde")

    @field_validator("how")
    @classmethod
    def _known_way(cls, value: str) -> str:
        if value not in CONTACT_WAYS:
            raise ValueError(f"onbekende manier '{value}' (kies uit: {', '.join(CONTACT_WAYS)})")
        return value


class ContentIn(_Strict):
    """The fields a person fills in on a melding; an absent or null field stays undecided."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "vermoedelijke_reden": "Zorgen over de thuissituatie", "actions_taken": ["Gesprek met de mentor"],
        "actie_gewenst": True, "toelichting": "Graag een huisbezoek",
        "melder": {"naam": "J. Jansen", "functie": "verzuimcoördinator", "telefoon": "030-1234567",
                   "email": "verzuim@school.example"}}]})

    vermoedelijke_reden: Text | None = Field(None, description=FIELD_LABELS["vermoedelijke_reden"])
    actions_taken: Annotated[list[Short], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list, description=FIELD_LABELS["actions_taken"])
    actie_gewenst: StrictBool | None = Field(None, description=FIELD_LABELS["actie_gewenst"])
    toelichting: Text | None = Field(None, description=FIELD_LABELS["toelichting"])
    leslocatie: Short | None = Field(None, description=FIELD_LABELS["leslocatie"])
    melder: MelderIn | None = Field(None, description=FIELD_LABELS["melder"])
    phone: PhoneNumber | None = Field(None, description=FIELD_LABELS["phone"])
    different_address: AddressIn | None = Field(None, description=FIELD_LABELS["different_address"])
    concerns: Annotated[list[StrictStr], Field(max_length=len(CONCERNS))] | None = Field(
        None, description=f"Zorgen (18+, RMC): {', '.join(CONCERNS)}")
    agreements: Text | None = Field(None, description=FIELD_LABELS["agreements"])
    asked_of_rmc: Text | None = Field(None, description=FIELD_LABELS["asked_of_rmc"])
    contact_attempts: Annotated[list[ContactAttemptIn], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list, description=FIELD_LABELS["contact_attempts"])
    deregistration_agreed: Text | None = Field(None, description=FIELD_LABELS["deregistration_agreed"])

    @field_validator("concerns")
    @classmethod
    def _known_concerns(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(CONCERNS))
        if unknown:
            raise ValueError(f"onbekende zorg(en) {', '.join(unknown)} (kies uit: {', '.join(CONCERNS)})")
        return value

    def to_content(self) -> MeldingContent:
        """As domain content."""
        address = self.different_address
        return MeldingContent(
            vermoedelijke_reden=self.vermoedelijke_reden, actions_taken=tuple(self.actions_taken),
            actie_gewenst=self.actie_gewenst, toelichting=self.toelichting, leslocatie=self.leslocatie,
            melder=Melder(**self.melder.model_dump()) if self.melder else None, phone=self.phone,
            different_address=Address(**address.model_dump()) if address else None,
            concerns=None if self.concerns is None else frozenset(self.concerns),
            agreements=self.agreements, asked_of_rmc=self.asked_of_rmc,
            contact_attempts=tuple(ContactAttempt(on=a.on, how=a.how, outcome=a.outcome)
                                   for a in self.contact_attempts),
            deregistration_agreed=self.deregistration_agreed)


def parse_content(data: Any, *, today: date) -> MeldingContent:
    """Validate a person's input into content; ``InvalidInput`` names every wrong field (Dutch). A
    contact attempt after ``today`` is refused: it cannot have happened yet."""
    try:
        parsed = ContentIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc), "inhoud") from exc
    late = [i for i, a in enumerate(parsed.contact_attempts) if a.on > today]
    if late:
        raise InvalidInput(f"contactpoging ligt in de toekomst (na {today:%d-%m-%Y})",
                           f"contact_attempts[{late[0]}].on")
    return parsed.to_content()
