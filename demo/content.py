"""What the demo's verzuimcoördinator writes on a melding: plausible, per kind of melding.

Every text is made up for the demo, as a coördinator would write it after talking to the student,
the parents and the mentor. ``answers`` gives a value for every field a person can fill in
(``gateway.intake.melding_content.ContentIn``); the coördinator sends only those the gate names as
missing, so what the SIS or the school's settings decided stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Story:
    """What the coördinator knows about one kind of melding."""

    reason: str
    actions: tuple[str, ...]
    actie_gewenst: bool
    toelichting: str
    concerns: tuple[str, ...]  # the concerns of seed 002 that apply (18+ and RMC)
    agreements: str = "Wekelijks gesprek met de mentor; de student meldt zich elke ochtend bij de balie."


_SIXTEEN = Story(
    reason="Spijbelen: de student zegt de lessen 'zinloos' te vinden en twijfelt aan de opleiding.",
    actions=("Gesprek van de mentor met de student", "Ouders telefonisch op de hoogte gebracht",
             "Verzuimafspraken vastgelegd in het studentdossier"),
    actie_gewenst=True,
    toelichting="Graag een gesprek van de leerplichtambtenaar met student en ouders over het verzuim.",
    concerns=("startkwalificatie_in_gevaar",))
_LONG = Story(
    reason="De student is al weken niet op school; het contact met student en ouders is verbroken.",
    actions=("Meerdere keren gebeld en gemaild", "Brief naar het huisadres gestuurd",
             "Zorgteam van de school ingeschakeld"),
    actie_gewenst=True,
    toelichting="Graag een huisbezoek: de school krijgt geen contact meer met student of ouders.",
    concerns=("problemen_buiten_school", "startkwalificatie_in_gevaar", "dreigende_uitval"),
    agreements="Als de student bereikt wordt: een gesprek op school met mentor en zorgcoördinator.")
STORIES: dict[str, Story] = {
    "verzuim-16u": _SIXTEEN,
    "herhaalmelding": Story(
        reason="Het verzuim gaat door na de eerdere melding; de afspraken worden niet nagekomen.",
        actions=("Tweede gesprek met student en ouders", "Begeleidingsplan met de mentor opgesteld"),
        actie_gewenst=True,
        toelichting="Graag een vervolggesprek van de leerplichtambtenaar: de eerdere aanpak werkt niet.",
        concerns=("startkwalificatie_in_gevaar", "dreigende_uitval")),
    "lrv": _LONG,
    "rmc-4w": _LONG,
    "luxe-verzuim": Story(
        reason="Vakantie buiten de schoolvakanties zonder aangevraagd verlof.",
        actions=("Ouders gewezen op de verlofregeling", "Verzuim besproken met de student"),
        actie_gewenst=True,
        toelichting="Graag beoordeling door de leerplichtambtenaar: er is geen verlof aangevraagd.",
        concerns=()),
    "te-laat": Story(
        reason="Structureel te laat: de student komt 's ochtends moeilijk op gang.",
        actions=("Gesprek met de mentor", "Afspraak: de student meldt zich bij te laat komen bij de balie"),
        actie_gewenst=False,
        toelichting="De school pakt dit zelf op met de mentor; de melding is ter kennisname.",
        concerns=("problemen_buiten_school",)),
    "no-show": Story(
        reason="De student is na de aanmelding niet verschenen; de reden is niet bekend.",
        actions=("Gebeld, gemaild en een brief gestuurd naar het huisadres",),
        actie_gewenst=True,
        toelichting="Graag nagaan waar de student is en of hij elders onderwijs volgt.",
        concerns=("dreigende_uitval",),
        agreements="Nog geen: de student is niet bereikt."),
    "no-show-2": Story(
        reason="Twee weken na de eerste melding is de student nog steeds niet verschenen.",
        actions=("Opnieuw gebeld en gemaild", "Huisbezoek door de mentor aangevraagd"),
        actie_gewenst=True,
        toelichting="Graag opnieuw nagaan waar de student is: de eerste melding leverde geen start op.",
        concerns=("dreigende_uitval",),
        agreements="Nog geen: de student is nog steeds niet bereikt."),
    "zorgmelding": Story(
        reason="Dreigende uitval: de student wil stoppen met de opleiding na problemen thuis.",
        actions=("Gesprek met de student en de mentor", "Aangemeld bij het zorgteam van de school"),
        actie_gewenst=True,
        toelichting="Graag meedenken over hulp thuis, zodat de student de opleiding kan afmaken.",
        concerns=("problemen_buiten_school", "dreigende_uitval"),
        agreements="Twee keer per week een gesprek met de zorgcoördinator; de mentor belt met thuis."),
}
_OTHER = Story(
    reason="De student geeft geen reden voor het verzuim.",
    actions=("Gesprek met de student",),
    actie_gewenst=True,
    toelichting="Graag een gesprek van de leerplichtambtenaar met de student.",
    concerns=("startkwalificatie_in_gevaar",))
ASKED_OF_RMC = "Een trajectbegeleider die met de student een passende vervolgstap zoekt."
# No-show: the school tried to reach the student this many days before today (seed 000 step 4).
CONTACT_DAYS_AGO = ((6, "telefoon", "Geen gehoor; voicemail ingesproken"),
                    (4, "e-mail", "Geen reactie"),
                    (1, "brief", "Brief verstuurd naar het huisadres; nog geen reactie"))
PHONE_FROM_FILE = "06-19283746"  # what the coördinator finds in the paper file when the SIS has none


def story(kind: str) -> Story:
    """The coördinator's story for a kind of melding (a rule id or a manual kind)."""
    return STORIES.get(kind, _OTHER)


def contact_attempts(today: date) -> list[dict[str, str]]:
    """The no-show's contact attempts, all before ``today`` (an attempt after it is refused)."""
    return [{"on": (today - timedelta(days=days)).isoformat(), "how": how, "outcome": outcome}
            for days, how, outcome in CONTACT_DAYS_AGO]


def answers(kind: str, today: date, *, leslocatie: str, melder: dict[str, str]) -> dict[str, Any]:
    """A value for every field a person fills in on a melding of ``kind``, in the API's shape."""
    told = story(kind)
    return {
        "vermoedelijke_reden": told.reason,
        "actions_taken": list(told.actions),
        "actie_gewenst": told.actie_gewenst,
        "toelichting": told.toelichting,
        "leslocatie": leslocatie,
        "melder": melder,
        "phone": PHONE_FROM_FILE,
        "concerns": list(told.concerns),
        "agreements": told.agreements,
        "asked_of_rmc": ASKED_OF_RMC,
        "contact_attempts": contact_attempts(today),
    }
