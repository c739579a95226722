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

    naam: Short
    functie: Short
    telefoon: PhoneNumber
    email: Email


class AddressIn(_Strict):
    """An afwijkend verblijfadres."""

    straat: Short
    huisnummer: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]{0,4}$")]
    huisletter: Annotated[StrictStr, Field(pattern=r"^[A-Za-z]$")] | None = None
    toevoeging: Annotated[StrictStr, Field(min_length=1, max_length=4)] | None = None
    postcode: Postcode
    locatieaanduiding: Annotated[StrictStr, Field(pattern=r"^(by|to)$")] | None = None
    plaatsnaam: Short


class ContactAttemptIn(_Strict):
    """One attempt to reach a no-show: the date, how (one of CONTACT_WAYS), and what came of it."""

    on: CalendarDay
    how: StrictStr
    outcome: Short

    @field_validator("how")
    @classmethod
    def _known_way(cls, value: str) -> str:
        if value not in CONTACT_WAYS:
            raise ValueError(f"onbekende manier '{value}' (kies uit: {', '.join(CONTACT_WAYS)})")
        return value


class ContentIn(_Strict):
    """The fields a person fills in on a melding; an absent or null field stays undecided."""

    vermoedelijke_reden: Text | None = None
    actions_taken: Annotated[list[Short], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    actie_gewenst: StrictBool | None = None
    toelichting: Text | None = None
    leslocatie: Short | None = None
    melder: MelderIn | None = None
    phone: PhoneNumber | None = None
    different_address: AddressIn | None = None
    concerns: Annotated[list[StrictStr], Field(max_length=len(CONCERNS))] | None = None
    agreements: Text | None = None
    asked_of_rmc: Text | None = None
    contact_attempts: Annotated[list[ContactAttemptIn], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)
    deregistration_agreed: Text | None = None

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
