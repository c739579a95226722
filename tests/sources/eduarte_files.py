"""Writing small Eduarte export snapshots for tests."""

from __future__ import annotations

from pathlib import Path

from adapters.eduarte.exports import COLUMNS

STUDENT = ["100001", "01-03-2009", "BOL", "2", "01-05-2026", "", "N", "N", "N", "0344", "N", "Sem",
           "Visser", "25604", "1"]


def write_snapshot(folder: Path, stamp: str, *, deelnemers: list[list[str]] | None = None,
                   meldingen: list[list[str]] | None = None, waarnemingen: list[list[str]] | None = None,
                   raw: dict[str, list[str]] | None = None, deelnemer_columns: tuple[str, ...] = ()) -> None:
    """Write the three exports of one snapshot (semicolon CSV with header); ``raw`` adds lines as-is;
    ``deelnemer_columns`` are optional columns after the required ones of the deelnemers."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"deelnemers": [STUDENT] if deelnemers is None else deelnemers,
            "absentiemeldingen": meldingen or [], "waarnemingen": waarnemingen or []}
    for kind, rows in data.items():
        header = COLUMNS[kind] + (deelnemer_columns if kind == "deelnemers" else ())
        lines = [";".join(header), *(";".join(r) for r in rows), *(raw or {}).get(kind, [])]
        (folder / f"{kind}_{stamp}.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")


def melding(mid: str, begin: str, end: str = "", *, begintijd: str = "00:00", eindtijd: str = "23:59",
            lesuren: tuple[str, str] = ("", ""), reden: str = "ZIEK", afgehandeld: str = "J",
            number: str = "100001") -> list[str]:
    """An absentiemelding row (whole days unless times or lesuren are given; open-ended without end)."""
    return [mid, number, begin, begintijd, end, eindtijd if end else "", *lesuren, reden, afgehandeld, ""]


def waarneming(wid: str, day: str, soort: str = "Afwezig", *, start: str = "08:30", end: str = "09:20",
               lesuur: str = "1", link: str = "", number: str = "100001") -> list[str]:
    """A waarneming row."""
    return [wid, number, day, start, end, lesuur, soort, link]
