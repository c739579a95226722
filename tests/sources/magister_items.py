"""Small builders for Magister API items in tests."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from adapters.magister.sandbox import magister_instant


def afspraak(afspraak_id: int, day: date, start: time = time(8, 30),
             end: time = time(9, 20)) -> dict[str, Any]:
    """A lesson (``Afspraak``) as Magister sends it: UTC instants."""
    return {"Id": afspraak_id, "Start": magister_instant(day, start), "Einde": magister_instant(day, end),
            "LesuurVan": 1, "LesuurTotMet": 1, "DuurtHeleDag": False, "Omschrijving": "ne", "Type": 13}


def absentie(item_id: int, lesson: dict[str, Any], day: date, kind: int = 1, code: str = "AB",
             geoorloofd: bool = False) -> dict[str, Any]:
    """An absence item: ``Start``/``Eind`` are local midnight of the lesson day, in UTC."""
    midnight = magister_instant(day)
    return {"Id": item_id, "Start": midnight, "Eind": midnight, "Lesuur": 1, "Geoorloofd": geoorloofd,
            "AfspraakId": lesson["Id"], "Omschrijving": code, "Verantwoordingtype": kind, "Code": code,
            "Afspraak": lesson}


def leerling(person_id: int = 1000, number: str = "100001", **extra: Any) -> dict[str, Any]:
    """A student list item."""
    return {"Id": person_id, "Stamnummer": number, "Geboortedatum": magister_instant(date(2009, 3, 1)),
            "Leerweg": "BOL", "Niveau": 2, "Inschrijfdatum": magister_instant(date(2026, 5, 1)),
            "IntroBijgewoond": False, "Startkwalificatie": False, "Studiefinanciering": False,
            "Woongemeente": "0344", "Doktersverklaring": False, **extra}


def envelope(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    """The ``Items``/``TotalCount`` envelope."""
    return {"Items": items, "TotalCount": len(items) if total is None else total, "Links": []}
