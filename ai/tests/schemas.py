"""Output schemas of the features only tests declare: nested objects, enums, bounds,
optional fields, formats."""

import datetime as dt
import enum
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Pace(enum.StrEnum):
    STEADY = "steady"
    INTENSE = "intense"


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=40)
    due: dt.date
    effort_hours: int = Field(ge=1, le=40)
    priority: Literal["high", "medium", "low"]
    done: bool
    note: str | None = None


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=20, description="Short name.")
    confidence: float = Field(gt=0, lt=1)
    actions: list[Action] = Field(min_length=2, max_length=4)


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    pace: Pace = Pace.STEADY
    milestones: list[Milestone] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list, max_length=2)
    reference: uuid.UUID


class Settings(BaseModel):
    options: dict[str, str]
