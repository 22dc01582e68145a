"""The example CRM receiver against the delivery contract, with the receiver suite run from Python.

The same eight checks as ``catapult-sim check-receiver URL`` (docs/receiver-suite.md): the receiver is
served on a free port and gets generated bodies of every callback type, duplicates, unknown fields,
both MDN forms, both content types, POST and PUT, non-ASCII text and a burst. The settings are
smaller than the command's defaults, so that the run takes a few seconds.
"""

from __future__ import annotations

from crm import create_app

from catapult_sim.testing.receiver_suite import NAMES, PASS, Options, run_suite
from catapult_sim.testing.server import serve_in_thread


def test_the_crm_receiver_passes_every_check_of_the_receiver_suite() -> None:
    with serve_in_thread(create_app()) as server:
        options = Options(server.url + "/vibes/callbacks", examples=10, burst=10, rate=50, shrink_time=5)
        report = run_suite(options)
    statuses = {result.name: result.status for result in report.results}
    assert statuses == dict.fromkeys(NAMES, PASS), report.text()
