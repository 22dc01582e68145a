"""The checked-in sample set (``fixtures/``): every callback type in both MDN forms, every
opt_out_reason, every participant status, every other payload, and edge cases.

``catapult-sim fixtures sample --out fixtures`` (``make fixtures``) writes it; a test regenerates it
and compares byte for byte, so the files in the repository always match the generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catapult_sim.core.models import OPT_OUT_REASONS
from catapult_sim.testing.factories import PayloadFactory
from catapult_sim.testing.payloads import CALLBACK_TYPES, PAYLOAD_TYPES, schema_of

INDEX = "index.json"


@dataclass(frozen=True, slots=True)
class Sample:
    """One fixture file: where it goes, what it holds, and how it is made."""

    path: str
    payload_type: str
    description: str
    api_version: int = 2
    locale: str = "en_US"
    overrides: dict[str, Any] = field(default_factory=dict)

    def build(self) -> dict[str, Any]:
        seed = f"sample:{self.path}"  # each file has its own seed, so adding one changes no other
        factory = PayloadFactory(seed, locale=self.locale, api_version=self.api_version, overrides=self.overrides)
        return factory.one(self.payload_type)


def samples() -> Iterator[Sample]:
    for kind in CALLBACK_TYPES:
        for version, form in ((2, "E.164"), (1, "10-digit national")):
            yield Sample(f"callbacks/{kind}/v{version}.json", kind, f"{kind}, {form} MDNs", version)
    for reason in OPT_OUT_REASONS:
        yield Sample(
            f"callbacks/subscription_removed/reason-{reason}.json", "subscription_removed",
            f"subscription_removed with opt_out_reason {reason}", overrides={"opt_out_reason": reason},
        )  # fmt: skip
    for kind, statuses in (("ack_participant_added", ("PENDING", "SUBSCRIBED")),
                           ("ack_participant_changed", ("CONFIRMED", "REJECTED"))):  # fmt: skip
        for status in statuses:
            yield Sample(
                f"callbacks/{kind}/status-{status}.json",
                kind,
                f"{kind} {status}",
                overrides={"status": status},
            )
    yield from _edge_cases()
    for kind in PAYLOAD_TYPES:
        if kind not in CALLBACK_TYPES:
            yield Sample(f"api/{kind}.json", kind, f"{kind} (X-API-Version 2)")
    yield Sample("api/person-response-v1.json", "person-response", "person resource, X-API-Version 1", 1)


EDGE_CASES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("person_added-no-external-id", "person_added", "a person with no external_person_id",
     {"external_person_id": "none"}),
    ("subscription_added-no-external-id", "subscription_added", "a subscriber with no external id",
     {"external_person_id": "none"}),
    ("subscription_added-no-campaign", "subscription_added",
     "a subscription that came through no acquisition campaign (no acquisition_campaign block)",
     {"acquisition_id": "none"}),
    ("subscription_removed-offset-opt-out-date", "subscription_removed",
     "opt_out_date written with +0000, as serve --opt-out-date-form offset writes it",
     {"opt_out_date_form": "offset"}),
    ("person_added-max-length-external-id", "person_added", "a 128-character external_person_id",
     {"external_person_id": "max"}),
    ("ack_participant_added-max-length-external-id", "ack_participant_added",
     "a participant whose external_person_id has 128 characters", {"external_person_id": "max"}),
)  # fmt: skip


def _edge_cases() -> Iterator[Sample]:
    for name, kind, description, overrides in EDGE_CASES:
        yield Sample(f"edge-cases/{name}.json", kind, description, overrides=overrides)
    for locale in ("ja_JP", "de_DE", "el_GR"):
        yield Sample(
            f"edge-cases/person_updated-unicode-{locale}.json", "person_updated",
            f"custom fields with {locale} names", locale=locale,
        )  # fmt: skip
    yield Sample("edge-cases/person_added-uk-mobile.json", "person_added", "a UK mobile number (E.164)", locale="en_GB")


def render(body: Any) -> str:
    """How every fixture file is written: 2-space JSON, UTF-8 kept as is, newline at the end."""
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """Every file of the sample set (relative path → content), the index included."""
    files: dict[str, str] = {}
    index = []
    for sample in samples():
        files[sample.path] = render(sample.build())
        index.append(
            {"file": sample.path, "type": sample.payload_type, "schema": schema_of(sample.payload_type),
             "api_version": sample.api_version, "description": sample.description}
        )  # fmt: skip
    files[INDEX] = render(index)
    return files


def write(out: Path) -> list[Path]:
    """Write the sample set under ``out``; returns the files written."""
    written = []
    for rel, text in expected_files().items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
