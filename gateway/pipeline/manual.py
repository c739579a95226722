"""Manual meldingen: what the verzuimcoördinator files that no rule produces (beginnend verzuim,
signaalverzuim, a zorgmelding "vanaf het eerste uur"), with the same content, gate, delivery,
withdrawal and audit as a rule's melding.

Its business id is stable: student, kind, start date and a number. Filing the same melding again
by accident shows the first; only once that one was withdrawn does a new number follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from gateway.config.school import load_school, school_profile
from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.calendar import add_working_days
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import MeldingContent
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import MANUAL_KINDS, MANUAL_TITLES
from gateway.pipeline.content import check_leslocatie
from gateway.pipeline.decisions import DecisionContext, create_melding
from gateway.pipeline.specification import lessons_between
from gateway.store import Store
from gateway.store import students as students_repo
from gateway.store.schema import meldingen

LEGAL_BASIS = {False: "Leerplichtwet 1969 art. 21a", True: "WEB art. 8.1.8a"}  # by adult


@dataclass(frozen=True)
class ManualRequest:
    """A melding a person files: for whom, which kind, since when (and until when), and its content."""

    student_id: str
    kind: str
    period_start: date
    period_end: date | None
    content: MeldingContent


@dataclass(frozen=True)
class Filed:
    """The melding a filing led to, and whether it is new (False: the same one was filed before)."""

    melding_id: str
    created: bool


def _check(request: ManualRequest, today: date) -> None:
    if request.kind not in MANUAL_KINDS:
        raise InvalidInput(f"onbekende soort '{request.kind}' (kies uit: {', '.join(MANUAL_KINDS)})", "kind")
    if request.period_start > today:
        raise InvalidInput(f"begindatum ligt na vandaag ({today:%d-%m-%Y})", "period_start")
    end = request.period_end
    if end is not None and not request.period_start <= end <= today:
        raise InvalidInput("einddatum ligt voor de begindatum of na vandaag", "period_end")


def file_manual(store: Store, school_id: str, request: ManualRequest, actor: str, today: date) -> Filed:
    """File a manual melding (or find the same one filed before); it enters the review queue."""
    _check(request, today)
    prefix = f"{request.student_id}|{request.kind}|{request.period_start.isoformat()}|"
    with store.write() as conn:
        config = load_school(conn, school_id)
        check_leslocatie(config, request.content)
        found = students_repo.load_students(conn, school_id, [request.student_id])
        if not found:
            raise InvalidInput(f"onbekende leerling '{request.student_id}'", "student_id")
        earlier = conn.execute(sa.select(meldingen.c.id, meldingen.c.status).where(
            meldingen.c.school_id == school_id, meldingen.c.business_id.like(prefix + "%"),
        ).order_by(meldingen.c.created_at, meldingen.c.id)).all()
        active = [r.id for r in earlier if r.status != State.INGETROKKEN.value]
        if active:
            return Filed(active[0], created=False)
        lessons = lessons_between(conn, school_id, request.student_id, request.period_start,
                                  request.period_end or today)
        adult = age_on(found[0].birth_date, today) >= ADULT_AGE
        profile = school_profile(config)
        signal = Signal(
            rule=request.kind, kind="melding", student_id=request.student_id,
            recipient="rmc" if adult else "leerplicht", trigger_date=today,
            period_start=request.period_start, period_end=request.period_end,
            due_date=add_working_days(today, profile.report_within_workdays), hours=None,
            actie_gewenst=None, legal_basis=LEGAL_BASIS[adult],
            evidence=tuple(lesson.record_id for lesson in lessons if lesson.unauthorised_absence),
            explanation=f"Handmatige melding ({MANUAL_TITLES[request.kind]}), ingediend door {actor}.",
            profile=profile.name, profile_version=profile.version,
        )
        context = DecisionContext(config, profile, today, actor)
        route = config.routing_policy(profile.routes).route_for(signal)
        melding_id = create_melding(conn, context, route, signal, store.cipher,
                                    business_id=prefix + str(len(earlier) + 1), lessons=lessons,
                                    content=request.content)
    return Filed(melding_id, created=True)
