"""Records as the core sees them. MDNs are always E.164 here; rendering per API version is in views."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from catapult_sim.core.store import loads

# Opt-out reasons as published (OAS subscriptionResponse.opt_out_reason; fact sheet §3.4).
OPT_OUT_REASONS = (
    "user_opt_out",
    "disconnect",
    "list_archived",
    "bulk_opt_out",
    "failed_at_carrier",
    "obsolete_carrier",
    "platform_opt_out",
    "keyword_opt_out",
    "api_opt_out",
    "button_opt_out",
)

# Campaign statuses, always lowercase (fact sheet §5.2).
CAMPAIGN_STATUSES = ("scheduled", "active", "deleted", "past")


@dataclass(slots=True)
class Company:
    key: str
    username: str
    password: str
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def custom_fields(self) -> dict[str, dict[str, Any]]:
        fields: dict[str, dict[str, Any]] = self.config.get("custom_fields", {})
        return fields

    @property
    def landlines(self) -> set[str]:
        return set(self.config.get("landlines", []))

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Company:
        return cls(row["key"], row["username"], row["password"], loads(row["config"]) or {})


@dataclass(slots=True)
class Person:
    company: str
    person_key: str
    person_id: int
    external_person_id: str | None
    mdn: str | None
    carrier_code: str | None
    custom_fields: dict[str, Any]
    timezone: str | None
    timezone_source: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Person:
        """A ``SELECT *`` row of ``persons``, whose columns are this class's fields in order
        (core/store.py); unpacked by position, which costs half of eleven lookups by name."""
        company, key, person_id, ext, mdn, carrier, fields, tz, tz_source, created, updated = row
        return cls(company, key, person_id, ext, mdn, carrier, loads(fields) or {}, tz, tz_source, created, updated)

    def copy(self) -> Person:
        """A shallow copy, as ``dataclasses.replace(self)`` makes (a few times faster)."""
        return Person(
            self.company,
            self.person_key,
            self.person_id,
            self.external_person_id,
            self.mdn,
            self.carrier_code,
            self.custom_fields,
            self.timezone,
            self.timezone_source,
            self.created_at,
            self.updated_at,
        )


CAMPAIGN_SOURCE = "campaign:"  # a subscription's source when it came through an acquisition campaign


def campaign_source(acquisition_id: str) -> str:
    """The source of a subscription made through the acquisition campaign ``acquisition_id``."""
    return CAMPAIGN_SOURCE + acquisition_id


@dataclass(slots=True)
class Subscription:
    id: int
    company: str
    person_key: str
    list_id: str
    opt_in_date: str
    opt_out_date: str | None
    opt_out_reason: str | None
    source: str

    @property
    def active(self) -> bool:
        return self.opt_out_date is None

    @property
    def campaign(self) -> str | None:
        """The acquisition campaign this subscription came through, or None."""
        return self.source[len(CAMPAIGN_SOURCE) :] if self.source.startswith(CAMPAIGN_SOURCE) else None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Subscription:
        return cls(
            row["id"],
            row["company"],
            row["person_key"],
            row["list_id"],
            row["opt_in_date"],
            row["opt_out_date"],
            row["opt_out_reason"],
            row["source"],
        )


@dataclass(slots=True)
class SubscriptionList:
    company: str
    id: str
    name: str
    archived: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SubscriptionList:
        return cls(row["company"], row["id"], row["name"], bool(row["archived"]))


@dataclass(slots=True)
class Campaign:
    company: str
    acquisition_id: str
    description: str
    status: str
    list_id: str
    double_opt_in: bool
    keywords: list[str]
    start_date: str | None
    end_date: str | None
    created_date: str
    updated_date: str
    confirm_hours: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Campaign:
        return cls(
            row["company"],
            row["acquisition_id"],
            row["description"],
            row["status"],
            row["list_id"],
            bool(row["double_opt_in"]),
            loads(row["keywords"]) or [],
            row["start_date"],
            row["end_date"],
            row["created_date"],
            row["updated_date"],
            row["confirm_hours"],
        )


@dataclass(slots=True)
class Participant:
    id: int
    company: str
    acquisition_id: str
    person_key: str
    participation_date: str
    expire_date: str
    status: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Participant:
        return cls(
            row["id"],
            row["company"],
            row["acquisition_id"],
            row["person_key"],
            row["participation_date"],
            row["expire_date"],
            row["status"],
            row["updated_at"],
        )
