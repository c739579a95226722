"""The demo's school configuration files: written as TOML, checked, then registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.college import FIRST_SCHOOL_DAY, Location
from demo.services import Pki, Services, school_email
from demo.tomlfile import dumps
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, SyntheticSchool


def secret_env_name(location: Location) -> str:
    """The environment variable that holds the location's Magister client secret."""
    return f"DEMO_MAGISTER_SECRET_{location.key}"


def source_config(location: Location, services: Services) -> dict[str, Any]:
    """The ``[sources.<sis>]`` table: where the SIS is; secrets only by environment variable name."""
    if location.sis == "magister":
        running = services.magister[location.key]
        return {
            "base_url": running.url,
            "client_id": running.sandbox.client_id,
            "client_secret_env": secret_env_name(location),
            "brin": location.brin,
            "since": FIRST_SCHOOL_DAY,
            "calendar_file": str(services.calendar_file(location)),
            "backoff_seconds": 0.05,
        }
    return {"drop_folder": str(services.eduarte[location.key].folder), "brin": location.brin}


def school_data(location: Location, school: SyntheticSchool, services: Services, pki: Pki) -> dict[str, Any]:
    """Everything the school sets, as the TOML file holds it."""
    calendar = school.calendar
    return {
        "id": location.key,
        "brin": location.brin,
        "oin": location.oin,
        "name": location.name,
        "location": location.vestiging,
        # The melder of every melding (Besluit: naam, functie, telefoon, e-mail), and the
        # leslocaties the SIS names: a melding names one of them.
        "contact_name": location.coordinator,
        "contact_function": "verzuimcoördinator",
        "contact_phone": location.phone,
        "contact_email": school_email(location),
        "leslocaties": list(SYNTHETIC_LESLOCATIES),
        "profile": location.profile,
        "review_required": False,
        # The demo's DUO outage lasts until each waiting DUO row was tried once
        # (demo.delivery.each_tried_once); with the default of 3 failures the fallback would depend on
        # how fast the retries come round, so here one failed attempt already counts as DUO down.
        "fallback": {"enabled": True, "within_workdays": 2, "after_failed_attempts": 1},
        "channels": {
            "duo": {
                "endpoint": services.duo.url,
                "duo_oin": pki.base.duo_oin,
                "client_cert": str(pki.base.gateway_client.cert),
                "client_key": str(pki.base.gateway_client.key),
                "ca": str(pki.base.ca_cert),
            },
            "mail": {
                "smtp_host": services.smtp.host,
                "smtp_port": services.smtp.port,
                "ca_file": str(pki.base.ca_cert),
                "sender": school_email(location),
                "sender_name": f"Verzuimloket {location.name}",
                "signing_cert": str(pki.schools[location.key].cert),
                "signing_key": str(pki.schools[location.key].key),
                "timeout": 10.0,
                # no duo_oin: the mail channel takes DUO's OIN from the duo table, written once
            },
        },
        "sources": {location.sis: source_config(location, services)},
        "calendar": {
            "first_school_day": calendar.first_school_day,
            "last_school_day": calendar.last_school_day,
            "holidays": [{"name": h.name, "start": h.start, "end": h.end} for h in calendar.holidays],
        },
    }


def write_school_file(directory: Path, location: Location, data: dict[str, Any]) -> Path:
    """Write one school's configuration as ``<directory>/<key>.toml``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{location.key}.toml"
    header = (f"Schoolconfiguratie van {location.name} (geschreven door verzuim-gateway demo).\n"
              "Controleer met: verzuim-gateway config check " + path.name)
    path.write_text(dumps(data, header), encoding="utf-8")
    return path
