"""The store: SQLAlchemy 2 over SQLite (WAL) or PostgreSQL, with a small query API.

Other parts of the gateway read meldingen through ``list_meldingen`` / ``get_melding`` and the
source cursor through ``get_cursor``; writes go through ``gateway.pipeline`` and ``gateway.delivery.outbox``.
"""

from gateway.store.engine import Store, utcnow
from gateway.store.lookups import get_cursor, list_schools
from gateway.store.meldingen import MeldingView, count_by_status, get_melding, list_meldingen

__all__ = [
    "MeldingView",
    "Store",
    "count_by_status",
    "get_cursor",
    "get_melding",
    "list_meldingen",
    "list_schools",
    "utcnow",
]
