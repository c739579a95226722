"""Magister source adapter: the web API's absences and lessons as canonical records.

Entry point ``verzuim_gateway.sources: magister = adapters.magister:create_source``; the stand-in
server is ``adapters.magister.sandbox`` (``verzuim-gateway sandbox magister``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.magister.config import MagisterConfig
from adapters.magister.source import MagisterSource


def create_source(config: Mapping[str, Any]) -> MagisterSource:
    """Build the Magister source from its configuration mapping (see ``MagisterConfig``)."""
    return MagisterSource(MagisterConfig.from_mapping(config))


__all__ = ["MagisterConfig", "MagisterSource", "create_source"]
