"""The Locust user that sends callback storms to a CRM's receiver.

Run it on one machine with ``catapult-sim load-receiver URL ...``, or under Locust's own command on
many (``catapult-sim load-receiver --locustfile`` prints this file's path)::

    locust -f LOCUSTFILE --master --headless -u 200 -r 20 -t 5m --expect-workers 4 --host URL --storm launch
    locust -f LOCUSTFILE --worker --master-host MASTER

The storm options below travel from the master to every worker with the spawn message; each worker
builds its bodies locally from ``--storm-seed``, its worker index and each user's number.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
from typing import Any

from locust import FastHttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from catapult_sim.load.storms import PROFILES, Shot, StormConfig, Stream
from catapult_sim.load.tally import Tally

# Locust already owns --profile (a run label), so the storm profile is --storm.
FLAGS = {"profile": "--storm", "seed": "--storm-seed", "duplicate_rate": "--duplicate-rate",
         "retry_rate": "--retry-rate", "max_attempts": "--max-attempts", "method": "--callback-method",
         "content_type": "--callback-content-type", "api_version": "--callback-api-version"}  # fmt: skip
log = logging.getLogger("catapult_sim.load")


@events.init_command_line_parser.add_listener
def add_storm_options(parser: Any, **_: Any) -> None:
    """The storm's options, on ``locust --help`` and in the web UI's start form."""
    defaults = StormConfig()
    parser.add_argument("--storm", choices=PROFILES, default=defaults.profile, help="storm profile")
    parser.add_argument("--storm-seed", type=int, default=defaults.seed, help="seed of every body (default 0)")
    parser.add_argument("--duplicate-rate", type=float, default=0.0, help="share re-sent unchanged (0-1)")
    parser.add_argument("--retry-rate", type=float, default=0.0, help="share re-sent as the next attempt (0-1)")
    parser.add_argument("--max-attempts", type=int, default=defaults.max_attempts, help="highest delivery_attempt")
    parser.add_argument("--callback-method", default=defaults.method, help="POST or PUT, as registered")
    parser.add_argument("--callback-content-type", default=defaults.content_type, help="as registered")
    parser.add_argument("--callback-api-version", type=int, default=defaults.api_version, help="MDN form: 1 or 2")
    parser.add_argument("--callback-timeout", type=float, default=10.0, help="seconds to wait for an answer")
    parser.add_argument(
        "--requests-per-user", type=int, default=0, help="each user stops after this many requests (0: never)"
    )


def storm_config(options: Any) -> StormConfig:
    """The storm a run's parsed options describe."""
    return StormConfig(
        profile=options.storm, seed=options.storm_seed, duplicate_rate=options.duplicate_rate,
        retry_rate=options.retry_rate, max_attempts=options.max_attempts,
        method=str(options.callback_method).upper(), content_type=str(options.callback_content_type).lower(),
        api_version=options.callback_api_version,
    )  # fmt: skip


def tally_of(environment: Environment) -> Tally:
    """The run's per-status counts and acknowledgements (one per process)."""
    tally: Tally | None = getattr(environment, "catapult_tally", None)
    if tally is None:
        tally = Tally()
        environment.catapult_tally = tally  # type: ignore[attr-defined]
    return tally


@events.test_start.add_listener
def check_options(environment: Environment, **_: Any) -> None:
    if environment.parsed_options is None:
        return
    problems = storm_config(environment.parsed_options).problems(FLAGS)
    if problems:
        log.error("; ".join(problems))
        if environment.runner is not None:
            environment.runner.quit()


@events.report_to_master.add_listener
def send_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    """Workers ship their status counts with every stats report (Locust's own channel)."""
    env = _environment
    if env is not None:
        data["catapult_statuses"] = tally_of(env).take_statuses()


@events.worker_report.add_listener
def merge_tally(client_id: str, data: dict[str, Any], **_: Any) -> None:
    env = _environment
    if env is not None:
        tally_of(env).add_statuses(data.get("catapult_statuses") or {})


@events.quitting.add_listener
def log_tally(environment: Environment, **_: Any) -> None:
    """The master (or a single process) logs the per-status counts the stats table lacks."""
    if not isinstance(environment.runner, WorkerRunner):
        log.info("callback statuses: %s", json.dumps(tally_of(environment).statuses, sort_keys=True))


_environment: Environment | None = None


@events.init.add_listener
def remember(environment: Environment, **_: Any) -> None:
    global _environment
    _environment = environment
    tally_of(environment)


class CallbackUser(FastHttpUser):
    """Sends one callback per task, as fast as the receiver answers, from its own seeded stream."""

    _numbers = itertools.count()  # users of this process, numbered in spawn order

    def __init__(self, environment: Environment) -> None:
        options = environment.parsed_options
        timeout = float(getattr(options, "callback_timeout", 10.0) or 10.0)
        self.network_timeout = self.connection_timeout = timeout
        super().__init__(environment)
        self.config = storm_config(options) if options is not None else StormConfig()
        self.tally = tally_of(environment)
        self.stream: Stream | None = None
        # With a limit the storm is exactly repeatable: the same seed sends the very same requests.
        self.limit = int(getattr(options, "requests_per_user", 0) or 0)

    def on_start(self) -> None:
        runner = self.environment.runner
        worker = 0 if runner is None or isinstance(runner, MasterRunner) else runner.worker_index
        if worker < 0:
            raise RuntimeError("the master sent no worker index (Locust 2.20 or newer is needed)")
        self.stream = Stream(self.config, self.host or "", worker, next(self._numbers))

    @task
    def send(self) -> None:
        assert self.stream is not None
        if self.limit and self.stream.sequence >= self.limit:
            raise StopUser()
        shot = next(self.stream)
        self.tally.sent(shot)
        req = shot.request
        body = req.body.encode("utf-8")  # bytes: sent as they are (the hint says str)
        with self.client.request(
            req.method, req.url, name=shot.callback_type, data=body,  # type: ignore[arg-type]
            headers=req.headers, catch_response=True, allow_redirects=False,
        ) as resp:  # fmt: skip
            self._judge(shot, resp)

    def _judge(self, shot: Shot, resp: Any) -> None:
        """2XX is success, anything else a failure (fact sheet §7.7: redirects are not followed)."""
        status = int(resp.status_code or 0)
        error = getattr(resp, "error", None)
        if status == 0:  # no answer: refused, reset or timed out
            outcome = "timeout" if _is_timeout(error) else "error"
            self.tally.answered(shot, outcome)
            resp.failure(f"{outcome}: {type(error).__name__}" if error is not None else outcome)
            return
        self.tally.answered(shot, str(status))
        if 200 <= status < 300:
            resp.success()
        else:
            resp.failure(f"HTTP {status}")


def _is_timeout(error: object) -> bool:
    if isinstance(error, TimeoutError | socket.timeout):
        return True
    return "timed out" in str(error).lower() or "timeout" in type(error).__name__.lower()
