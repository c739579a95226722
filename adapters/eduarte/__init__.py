"""Eduarte source adapter: the institution's absence and observation exports, from a drop folder.

Eduarte has no public attendance API. Entry point ``verzuim_gateway.sources: eduarte =
adapters.eduarte:create_source``; the stand-in is ``adapters.eduarte.sandbox``
(``verzuim-gateway sandbox eduarte``), which writes exports into a drop folder on a schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.eduarte.config import EduarteConfig
from adapters.eduarte.source import EduarteSource


def create_source(config: Mapping[str, Any]) -> EduarteSource:
    """Build the Eduarte source from its configuration mapping (see ``EduarteConfig``)."""
    return EduarteSource(EduarteConfig.from_mapping(config))


__all__ = ["EduarteConfig", "EduarteSource", "create_source"]
