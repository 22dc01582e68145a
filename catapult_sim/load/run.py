"""Run one storm headless in this process with Locust's library API, and read its stats.

Importing this module imports Locust, which monkey-patches the standard library with gevent: only
the ``load-receiver`` command imports it, never the simulator.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import gevent
from locust import events
from locust.argument_parser import get_parser
from locust.env import Environment
from locust.html import get_html_report
from locust.log import setup_logging
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

from catapult_sim.load import locustfile
from catapult_sim.load.report import Summary
from catapult_sim.load.tally import Tally

LOCUSTFILE = os.path.abspath(locustfile.__file__)


@dataclass(frozen=True, slots=True)
class Plan:
    """One headless run: where, how many users, how fast they start, for how long, and the storm's
    own Locust options (``--storm`` ... as :func:`locust_args` spells them)."""

    url: str
    users: int
    spawn_rate: float
    seconds: float
    storm_args: tuple[str, ...]
    timeout: float = 10.0
    csv_prefix: str | None = None
    html_file: str | None = None


def run(plan: Plan) -> tuple[Summary, Tally]:
    """Send the storm; the summary of what happened and the tally (statuses, acknowledgements)."""
    setup_logging("WARNING")
    options = get_parser(default_config_files=[]).parse_args(
        ["-f", LOCUSTFILE, "--headless", "--host", plan.url, "-u", str(plan.users), "-r", str(plan.spawn_rate),
         *plan.storm_args]
    )  # fmt: skip
    env = Environment(
        user_classes=[locustfile.CallbackUser], events=events, host=plan.url, parsed_options=options,
        stop_timeout=plan.timeout + 1, locustfile=LOCUSTFILE,
    )  # fmt: skip
    runner = env.create_local_runner()
    events.init.fire(environment=env, runner=runner, web_ui=None)
    writer = None
    if plan.csv_prefix:
        writer = StatsCSVFileWriter(env, PERCENTILES_TO_REPORT, plan.csv_prefix, False)
        gevent.spawn(writer.stats_writer)
    started = time.perf_counter()
    runner.start(plan.users, plan.spawn_rate)
    gevent.get_hub().loop.update_now()  # the loop's cached clock may be stale from the imports before
    gevent.spawn_later(plan.seconds, runner.quit)  # quit lets each user finish its request (stop_timeout)
    gevent.spawn(_quit_when_every_user_is_done, runner)
    runner.greenlet.join()
    seconds = time.perf_counter() - started
    events.quitting.fire(environment=env, reverse=True)
    if writer is not None:
        writer.close_files()
    if plan.html_file:
        with open(plan.html_file, "w", encoding="utf-8") as out:
            out.write(get_html_report(env, show_download_link=False))
    return summarize(env, seconds), locustfile.tally_of(env)


def summarize(env: Environment, seconds: float) -> Summary:
    """Locust's totals and percentiles (milliseconds, as its reports round them) and our tally."""
    total = env.stats.total
    per_type = {entry.name: entry.num_requests for entry in env.stats.entries.values()}
    return Summary(
        sent=total.num_requests,
        failures=total.num_failures,
        statuses=dict(locustfile.tally_of(env).statuses),
        per_type=per_type,
        seconds=seconds,
        p50_ms=total.get_response_time_percentile(0.5) or 0.0,
        p95_ms=total.get_response_time_percentile(0.95) or 0.0,
        p99_ms=total.get_response_time_percentile(0.99) or 0.0,
        max_ms=round(total.max_response_time or 0.0, 1),
    )


def _quit_when_every_user_is_done(runner: Any) -> None:
    """With --requests-per-user the users stop by themselves; the run ends then, not at --duration."""
    while True:
        gevent.sleep(0.1)
        if runner.state == "running" and runner.user_count == 0:
            runner.quit()
            return
