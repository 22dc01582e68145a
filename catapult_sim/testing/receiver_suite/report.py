"""The report: one line per check, a block per failure (payload and answer), a summary; or JUnit XML."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from catapult_sim.testing.receiver_suite.config import Options
from catapult_sim.testing.receiver_suite.registry import CHECKS
from catapult_sim.testing.receiver_suite.results import FAIL, SKIP, CheckResult, consequence, seconds
from catapult_sim.testing.receiver_suite.transport import Exchange

EXCERPT_CHARS = 500
WIDTH = 100


@dataclass(slots=True)
class Report:
    """The outcome of a run: the options, one result per check, the wall time."""

    options: Options
    results: list[CheckResult]
    seconds: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.results)

    def summary(self) -> str:
        c = self.counts
        return (f"{len(self.results)} checks: {c['PASS']} passed, {c['FAIL']} failed, {c['SKIP']} skipped "
                f"in {self.seconds:.1f} s ({self.requests} requests)")  # fmt: skip

    def text(self) -> str:
        o = self.options
        versions = ", ".join(str(v) for v in o.api_versions)
        lines = [
            f"Receiver suite: {o.url}",
            f"budget {o.budget:g} s per request, seed {o.seed}, {o.examples} examples per type and API "
            f"version, API versions {versions}, {len(o.callback_types)} callback types",
            "",
        ]
        lines += [result_line(r) for r in self.results]
        for r in self.results:
            if r.status == FAIL:
                lines += ["", *failure_block(r, o.budget)]
        return "\n".join([*lines, "", self.summary()]) + "\n"

    def junit(self) -> str:
        return junit_xml(self)


def result_line(r: CheckResult) -> str:
    width = max(len(n) for n in CHECKS)
    return f"{r.status}  {r.name:<{width}}  {r.reason}"


def failure_block(r: CheckResult, budget: float) -> list[str]:
    """The details of a failed check: why it matters, the request that shows it and its answer."""
    check = CHECKS.get(r.name)
    out = [f"--- FAIL {r.name} " + "-" * max(3, WIDTH - 10 - len(r.name)), r.reason]
    if check is not None:
        out += textwrap.wrap("Why: " + check.contract, WIDTH)
    for note in r.notes:
        out += textwrap.wrap(note, WIDTH)
    if r.exchange is not None:
        out += textwrap.wrap("Effect: " + consequence(r.exchange, budget), WIDTH)
        out += exchange_lines(r.exchange, r.payload_title)
    return out


def exchange_lines(ex: Exchange, payload_title: str = "Payload") -> list[str]:
    """The request (method, URL, headers), its payload as indented JSON, and the answer."""
    out = [f"Request: {ex.method} {ex.url}"]
    out += [f"  {k}: {v}" for k, v in ex.headers.items()]
    out += [f"{payload_title}:", *("  " + line for line in pretty(ex.body).splitlines())]
    if ex.status is None:
        out.append(f"Response: none after {seconds(ex.latency_ms)} ({ex.error})")
        return out
    out.append(f"Response: {ex.status} after {seconds(ex.latency_ms)}")
    text = (ex.excerpt or "").strip()
    if not text:
        out.append("  (empty body)")
    else:
        cut = text[:EXCERPT_CHARS] + (" ..." if len(text) > EXCERPT_CHARS else "")
        out += ["  " + line for line in cut.splitlines()]
    return out


def pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def junit_xml(report: Report) -> str:
    """JUnit XML: one testcase per check; a failure carries the failure block; SKIP is skipped."""
    c = report.counts
    counts = {"tests": str(len(report.results)), "failures": str(c[FAIL]), "errors": "0",
              "skipped": str(c[SKIP]), "time": f"{report.seconds:.3f}"}  # fmt: skip
    root = ET.Element("testsuites", {"name": "catapult-sim receiver suite", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "receiver suite", **counts,
                          "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")})  # fmt: skip
    props = ET.SubElement(suite, "properties")
    o = report.options
    versions = ",".join(map(str, o.api_versions))
    for key, value in (("url", o.url), ("budget", f"{o.budget:g}"), ("seed", str(o.seed)),
                       ("examples", str(o.examples)), ("api_versions", versions)):  # fmt: skip
        ET.SubElement(props, "property", {"name": key, "value": value})
    for r in report.results:
        case = ET.SubElement(suite, "testcase", {"classname": "catapult_sim.receiver_suite", "name": r.name,
                                                  "time": f"{r.seconds:.3f}"})  # fmt: skip
        if r.status == FAIL:
            failure = ET.SubElement(case, "failure", {"message": r.reason, "type": "ReceiverCheckFailed"})
            failure.text = "\n".join(failure_block(r, o.budget))
        elif r.status == SKIP:
            ET.SubElement(case, "skipped", {"message": r.reason})
        ET.SubElement(case, "system-out").text = r.reason
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
