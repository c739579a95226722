"""Configuration of the Magister source adapter (one school, one tenant)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from gateway.domain.errors import ConfigurationError
from gateway.domain.model import Calendar
from gateway.intake.calendar_file import read_calendar
from gateway.intake.validation import describe


class MagisterConfig(BaseModel):
    """What the adapter needs: where the tenant is, how to log in, and how far back to read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(description="https://{tenant}.magister.net or the stand-in's URL")
    client_id: str
    client_secret: SecretStr
    brin: str = Field(min_length=1, description="prefix of canonical student ids: BRIN-stamnummer")
    school_id: str | None = Field(None, description="name of the school's code override folder")
    code_overrides: dict[str, Any] = Field(default_factory=dict)
    codes_dir: Path | None = None
    window_days: int = Field(28, ge=1, description="rolling window whose absences every pull re-reads")
    lesson_recheck_days: int = Field(
        7, ge=0, description="re-read the lessons of the whole window when the last full read is this "
                             "many days old (0: on every pull); in between, lessons of new days only")
    concurrency: int = Field(4, ge=1, le=32, description="students read at the same time")
    since: date | None = Field(None, description="first day read on a full pull (default: 1 August)")
    today: date | None = Field(None, description="fixed clock for tests and the demo")
    page_size: int = Field(100, ge=1, le=1000)
    max_attempts: int = Field(4, ge=1)
    backoff_seconds: float = Field(0.5, ge=0)
    max_retry_after: float = Field(120.0, ge=0)
    timeout: float = Field(15.0, gt=0)
    verify: bool | str = True
    state_file: Path | None = Field(
        None, description="no longer read: the ids seen travel in the cursor (kept for old configurations)")
    calendar_file: Path | None = None

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> MagisterConfig:
        """Validate a configuration mapping; errors name the key."""
        try:
            return cls.model_validate(dict(config))
        except ValidationError as exc:
            raise ConfigurationError(f"Magister-configuratie ongeldig: {describe(exc)}") from exc

    def load_calendar(self) -> Calendar | None:
        """The school's calendar from ``calendar_file`` (JSON), if configured."""
        if self.calendar_file is None:
            return None
        return read_calendar(self.calendar_file)
