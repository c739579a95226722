"""The last line of defence before any channel: a melding whose legal fields would go out empty.

The pipeline's completeness gate (``gateway.domain.completeness``) keeps an incomplete melding in
review; this checks again, with the Besluit Verzuimmelding's own minimum (not a profile's), what
the document is about to carry, so that no channel ever sends a field of the annex empty or with
a made-up value (``actie_gewenst`` unanswered is never sent as ``false``).
"""

from __future__ import annotations

from gateway.delivery.document.errors import DocumentInvalid
from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.completeness import describe_missing, missing_fields
from gateway.domain.ports import OutgoingMelding
from gateway.rules.profiles import base_requirements


def legal_fields(melding: OutgoingMelding) -> frozenset[str]:
    """The content fields (and student facts) the law's minimum asks of this melding, whatever the
    school's profile adds (``base_requirements``: the gate's own data, one owner)."""
    signal = melding.signal
    adult = age_on(melding.student.birth_date, signal.trigger_date) >= ADULT_AGE
    return base_requirements().fields_for(signal.rule, adult=adult)


def legal_gaps(melding: OutgoingMelding) -> tuple[str, ...]:
    """The Besluit's fields this melding's document would carry empty, by field name (in the
    order of ``FIELD_LABELS``); empty when it is complete."""
    return missing_fields(melding.content, legal_fields(melding), enrolled_on=melding.student.enrolled_on,
                          toelichting_when=base_requirements().toelichting_when)


def refuse_gaps(melding: OutgoingMelding) -> None:
    """Raise ``DocumentInvalid`` naming (in Dutch) each legal field the melding leaves empty."""
    gaps = legal_gaps(melding)
    if gaps:
        raise DocumentInvalid(f"melding {melding.melding_id} wordt niet verzonden: wettelijk verplicht, "
                              f"{describe_missing(gaps)}")
