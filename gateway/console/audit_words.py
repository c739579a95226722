"""The audit trail in words: one Dutch sentence per audit action, and the groups the trail filters on.

Every action the gateway writes has its sentence in ``SENTENCES`` (one table); the sentence reads the
entry's data as words (dates in Dutch, rules, statuses and fields by name), never as ``key=value``.
An action not in the table still reads as a sentence (``describe`` never fails on unknown data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Final

from gateway.console import formatting
from gateway.delivery.receiver_deadlines import LATENESS_LABELS, Lateness
from gateway.delivery.routing import load_directory_data
from gateway.domain.errors import GatewayError
from gateway.domain.melding_content import field_label
from gateway.pipeline.decisions import RULES_WITHDRAWAL_REASON

# What the rules write as the reason when a correction made a melding's signal vanish
# (gateway/pipeline/decisions.py withdraws it with this text).
VERIFIED: Final = "audit.gecontroleerd"  # the console's chain check (gateway/console/pages/audit.py)
CHANNEL_NAMES: Final = {"duo": "DUO", "mail": "beveiligde mail"}
ACTOR_NAMES: Final = {"evaluatie": "de dagelijkse evaluatie", "push-api": "de push-API",
                      "console": "de console"}
KIND_OF_ORGANISATION: Final = {"duo": "DUO", "leerplicht": "Leerplicht", "rmc": "RMC",
                               "dsp": "Doorstroompunt"}

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Said:
    """What a sentence needs besides the entry's data: who did it (in words) and the subject."""

    who: str
    subject: str | None


Sentence = Callable[[Data, Said], str]


# --- small words -------------------------------------------------------------------------------


@cache
def _organisations() -> dict[str, str]:
    """Receiver organisations (``dsp-kop-van-nh``) by their name in the recipient directory."""
    try:
        data = load_directory_data()
    except GatewayError:  # no directory: the kind and area still read
        return {}
    return {label.replace(":", "-", 1): entry.organisation for label, entry in data.entries()}


def organisation_name(organisation: str) -> str:
    """``dsp-kop-van-nh`` -> ``Doorstroompunt Kop van Noord-Holland`` (its kind and area when the
    directory does not know it)."""
    known = _organisations().get(organisation)
    if known is not None:
        return known
    kind, _, area = organisation.partition("-")
    return f"{KIND_OF_ORGANISATION.get(kind, kind)} {area}".strip()


def actor_name(actor: str) -> str:
    """Who did it, as people say it: ``worker:host-a:1`` -> ``worker host-a:1``, a receiver's key
    by its organisation, the gateway's own processes by what they are, a user by their login."""
    kind, sep, rest = actor.partition(":")
    if sep and kind == "ontvanger":
        return organisation_name(rest)
    if sep and kind == "worker":
        return f"worker {rest}"
    if sep and kind == "profiel":
        return f"profiel {rest}"
    return ACTOR_NAMES.get(actor, actor)


def channel_name(channel: object) -> str:
    """``duo`` -> ``DUO``, ``mail`` -> ``beveiligde mail``."""
    return CHANNEL_NAMES.get(str(channel), str(channel))


def _day(value: object) -> str:
    try:
        return formatting.datum(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _count(value: object, one: str, many: str) -> str:
    number = value if isinstance(value, int) else 0
    return f"{formatting.getal(number)} {one if number == 1 else many}"


def _fields(names: object) -> str:
    return ", ".join(field_label(str(n)) for n in names) if isinstance(names, list | tuple) else ""


def _reason(data: Data) -> str:
    text = data.get("reden") or data.get("error")
    return f": {text}" if text else ""


# --- one sentence per action --------------------------------------------------------------------


def _withdrawn(data: Data, said: Said) -> str:
    if data.get("reden") == RULES_WITHDRAWAL_REASON:
        text = f"Melding ingetrokken door de regels na een correctie (verwerkt door {said.who})"
    else:
        text = f"Melding ingetrokken door {said.who}{_reason(data)}"
    routes = data.get("routes") or []
    if data.get("intrekking_verstuurd") and isinstance(routes, list):
        text += f"; de intrekking gaat naar {', '.join(channel_name(r) for r in routes)}"
    return text


def _sent(data: Data, said: Said) -> str:
    text = f"Melding verzonden naar {channel_name(data.get('channel'))} door {said.who}"
    if data.get("receiver_reference"):
        text += f" (kenmerk {data['receiver_reference']})"
    return text


def _content(data: Data, said: Said) -> str:
    text = f"Inhoud aangevuld door {said.who}"
    if _fields(data.get("velden")):
        text += f": {_fields(data.get('velden'))}"
    if _fields(data.get("ontbreekt")):
        text += f"; nog in te vullen: {_fields(data.get('ontbreekt'))}"
    return text


def _feedback(data: Data, said: Said) -> str:
    text = f"Terugkoppeling '{data.get('status')}' van {said.who}"
    if data.get("started_on"):
        text += f", gestart op {_day(data['started_on'])}"
    if data.get("detail"):
        text += f": {data['detail']}"
    return text


def _decided(data: Data, said: Said) -> str:
    made = "Taak" if data.get("kind") == "taak" else "Signaal" if data.get("kind") == "signaal" else "Melding"
    return (f"{made} '{formatting.regelnaam(data.get('rule'))}' gemaakt door de regels "
            f"(verwerkt door {said.who}); status {formatting.statusnaam(data.get('status'))}")


def _evaluated(data: Data, said: Said) -> str:
    return (f"Evaluatie van {_day(data.get('as_of'))} door {said.who}: "
            f"{_count(data.get('students'), 'leerling', 'leerlingen')} bekeken, "
            f"{_count(data.get('created'), 'melding', 'meldingen')} gemaakt, "
            f"{_count(data.get('withdrawn'), 'melding', 'meldingen')} ingetrokken")


def _ingested(data: Data, said: Said) -> str:
    counts = [formatting.getal(data.get(k) if isinstance(data.get(k), int) else 0)
              for k in ("new", "changed", "withdrawn")]
    return (f"Registraties ingelezen uit {data.get('source')} (levering {data.get('batch_seq')}) door "
            f"{said.who}: {counts[0]} nieuwe, {counts[1]} gewijzigde en {counts[2]} ingetrokken registraties")


def _refused_batch(data: Data, said: Said) -> str:
    reasons = data.get("redenen") or []
    refused = _count(data.get("afgewezen"), "registratie", "registraties")
    text = (f"Levering van {said.who} geweigerd: {refused} van de "
            f"{formatting.getal(data.get('records') or 0)} afgewezen")
    return text + (f" ({'; '.join(str(r) for r in reasons)})" if reasons else "")


def _due(data: Data, said: Said) -> str:
    return (f"Waarschuwing: de melding moet uiterlijk {_day(data.get('due_date'))} weg "
            f"(nog {_count(data.get('werkdagen_over'), 'werkdag', 'werkdagen')}); gemeld door {said.who}")


def _receiver_late(kind: Lateness) -> Sentence:
    def sentence(data: Data, said: Said) -> str:
        receiver = formatting.ontvangernaam(data.get("recipient"))
        return (f"Waarschuwing: {LATENESS_LABELS[kind].lower()} van {receiver} binnen de termijn van "
                f"{_count(data.get('termijn'), 'dag', 'dagen')} (uiterlijk {_day(data.get('uiterlijk'))}, "
                f"{_count(data.get('dagen_te_laat'), 'dag', 'dagen')} te laat)")
    return sentence


def _task_closed(data: Data, said: Said) -> str:
    attempt = data.get("contactpoging") or {}
    return (f"Taak afgesloten door {said.who}: contact op {_day(attempt.get('datum'))} "
            f"per {attempt.get('hoe', 'onbekende weg')}")


def _verified(data: Data, said: Said) -> str:
    regels = _count(data.get("regels"), "regel", "regels")
    if data.get("in_orde"):
        return f"Auditketen gecontroleerd door {said.who}: in orde, {regels}"
    return (f"Auditketen gecontroleerd door {said.who}: verbroken bij regel "
            f"{formatting.getal(data.get('eerste_fout') or 0)} ({data.get('probleem')})")


def _organisation(data: Data) -> str:
    return organisation_name(str(data.get("organisatie")))


def _blocked(data: Data, said: Said) -> str:
    tries = _count(data.get("pogingen"), "mislukte poging", "mislukte pogingen")
    return (f"Gebruiker {said.subject} {formatting.getal(data.get('minuten') or 0)} minuten geblokkeerd "
            f"na {tries}")


def _diff_keys(data: Data) -> str:
    diff = data.get("diff")
    return f": {', '.join(sorted(str(k) for k in diff))}" if isinstance(diff, Mapping) and diff else ""


SENTENCES: Final[dict[str, Sentence]] = {
    "melding.bekeken": lambda d, s: f"Melding bekeken door {s.who}",
    "melding.inhoud": _content,
    "melding.goedgekeurd": lambda d, s: f"Melding goedgekeurd door {s.who}",
    "melding.vrijgegeven": lambda d, s: f"Melding volledig en zonder beoordeling vrijgegeven door {s.who}",
    "melding.ingetrokken": _withdrawn,
    "melding.verzonden": _sent,
    "melding.intrekking_verzonden": lambda d, s: (f"Intrekking verzonden naar "
                                                  f"{channel_name(d.get('channel'))} door {s.who}"),
    "melding.fallback": lambda d, s: (f"Verzending via {channel_name(d.get('van'))} lukte niet; de melding "
                                      f"gaat via {channel_name(d.get('naar'))}{_reason(d)}"),
    "outbox.opnieuw": lambda d, s: (f"Verzending mislukt bij poging {d.get('attempt')} ({s.who}); "
                                    f"volgt opnieuw{_reason({'error': d.get('error')})}"),
    "outbox.onzeker": lambda d, s: f"Onzeker of de melding is aangekomen ({s.who}){_reason(d)}",
    "outbox.onbestelbaar": lambda d, s: (f"Melding onbestelbaar na poging {d.get('attempt')} "
                                         f"({s.who}){_reason({'error': d.get('error')})}"),
    "outbox.niet_te_routeren": lambda d, s: f"Geen ontvanger te vinden ({s.who}){_reason(d)}",
    "outbox.pauze": lambda d, s: (f"Verzending via {channel_name(d.get('route'))} gepauzeerd door "
                                  f"{s.who}{_reason(d)}"),
    "outbox.hervat": lambda d, s: f"Verzending via {channel_name(d.get('route'))} hervat door {s.who}",
    "outbox.nu_opnieuw": lambda d, s: f"Verzending meteen opnieuw geprobeerd op verzoek van {s.who}",
    "outbox.replay": lambda d, s: f"Melding opnieuw aangeboden door {s.who}{_reason(d)}",
    "terugkoppeling": _feedback,
    "besluit": _decided,
    "evaluatie": _evaluated,
    "ingest.batch": _ingested,
    "ingest.afgewezen": _refused_batch,
    "taak.afgesloten": _task_closed,
    "alert.uiterste_datum": _due,
    **{f"alert.ontvanger_te_laat.{kind.value}": _receiver_late(kind) for kind in Lateness},
    "config.school": lambda d, s: f"Instellingen van de school gewijzigd door {s.who}{_diff_keys(d)}",
    "api-sleutel.aangemaakt": lambda d, s: f"API-sleutel '{d.get('label')}' aangemaakt door {s.who}",
    "api-sleutel.ingetrokken": lambda d, s: f"API-sleutel {s.subject} ingetrokken door {s.who}",
    "ontvanger-sleutel.aangemaakt": lambda d, s: (f"Sleutel voor {_organisation(d)} aangemaakt door "
                                                  f"{s.who}"),
    "ontvanger-sleutel.ingetrokken": lambda d, s: f"Sleutel van {_organisation(d)} ingetrokken door {s.who}",
    "gebruiker.aangemaakt": lambda d, s: f"Gebruiker {s.subject} aangemaakt als {d.get('rol')} door {s.who}",
    "gebruiker.geblokkeerd": _blocked,
    "console.aangemeld": lambda d, s: f"{s.who} aangemeld op de console",
    "console.afgemeld": lambda d, s: f"{s.who} afgemeld van de console",
    "sleutels.opnieuw_versleuteld": lambda d, s: (f"{_count(d.get('aantal'), 'waarde', 'waarden')} opnieuw "
                                                  f"versleuteld door {s.who}"),
    "retentie": lambda d, s: f"Bewaartermijnen toegepast door {s.who}",
    VERIFIED: _verified,
}

# The kinds of event the trail filters on (``soort``), each with the actions it holds.
GROUPS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "verzending": ("Verzending", ("melding.verzonden", "melding.intrekking_verzonden", "melding.fallback",
                                  "outbox.opnieuw", "outbox.onzeker", "outbox.onbestelbaar",
                                  "outbox.niet_te_routeren", "outbox.pauze", "outbox.hervat",
                                  "outbox.nu_opnieuw", "outbox.replay")),
    "inhoud": ("Inhoud en goedkeuring", ("melding.inhoud", "melding.goedgekeurd", "melding.vrijgegeven")),
    "intrekking": ("Intrekking", ("melding.ingetrokken",)),
    "terugkoppeling": ("Terugkoppeling", ("terugkoppeling",)),
    "regels": ("Regels en registraties", ("besluit", "evaluatie", "ingest.batch", "ingest.afgewezen")),
    "waarschuwing": ("Waarschuwingen en taken", ("alert.uiterste_datum", "taak.afgesloten",
                                                 *(f"alert.ontvanger_te_laat.{k.value}" for k in Lateness))),
    "inzage": ("Inzage", ("melding.bekeken",)),
    "aanmelding": ("Aanmelding", ("console.aangemeld", "console.afgemeld", "gebruiker.geblokkeerd")),
    "beheer": ("Beheer", ("config.school", "api-sleutel.aangemaakt", "api-sleutel.ingetrokken",
                          "ontvanger-sleutel.aangemaakt", "ontvanger-sleutel.ingetrokken",
                          "gebruiker.aangemaakt", "sleutels.opnieuw_versleuteld", "retentie", VERIFIED)),
}


def describe(action: str, actor: str, data: Data, subject: str | None = None) -> str:
    """The entry as one Dutch sentence; an unknown action (or data a sentence cannot read) as a
    plain sentence naming the action and who did it."""
    said = Said(actor_name(actor), subject)
    sentence = SENTENCES.get(action)
    if sentence is not None:
        try:
            return sentence(data, said)
        except (AttributeError, KeyError, TypeError, ValueError):  # data of an older shape
            pass
    return f"Gebeurtenis '{action.replace('.', ' ').replace('_', ' ')}' door {said.who}"
