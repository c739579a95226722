"""Configuration of the Eduarte source adapter (one institution's drop folder)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.domain.errors import ConfigurationError
from gateway.domain.model import Calendar
from gateway.intake.calendar_file import read_calendar
from gateway.intake.validation import describe


class EduarteConfig(BaseModel):
    """Where the exports land and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drop_folder: Path
    brin: str = Field(min_length=1, description="prefix of canonical student ids: BRIN-deelnemernummer")
    school_id: str | None = Field(None, description="name of the school's code override folder")
    code_overrides: dict[str, Any] = Field(default_factory=dict)
    codes_dir: Path | None = None
    encoding: str = Field("utf-8-sig", description="export encoding (Eduarte ANSI exports: cp1252)")
    delimiter: str = Field(";", min_length=1, max_length=1)
    require_handled: bool = Field(False, description="only handled (afgehandeld) reports give a reason")
    calendar_file: Path | None = Field(None, description="default: kalender.json in the drop folder")
    state_dir: Path | None = Field(None, description="where the adapter keeps what it last delivered "
                                   "(default: .verzuim-gateway in the drop folder)")

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> EduarteConfig:
        """Validate a configuration mapping; errors name the key."""
        try:
            return cls.model_validate(dict(config))
        except ValidationError as exc:
            raise ConfigurationError(f"Eduarte-configuratie ongeldig: {describe(exc)}") from exc

    def state_folder(self) -> Path:
        """The folder of the adapter's state files (see ``adapters.eduarte.state``)."""
        return self.state_dir or self.drop_folder / ".verzuim-gateway"

    def load_calendar(self) -> Calendar | None:
        """The school's calendar (JSON), if there is one."""
        path = self.calendar_file or self.drop_folder / "kalender.json"
        if not path.is_file():
            return None
        return read_calendar(path)
