"""https receivers: callbacks and the receiver suite verify certificates, and can be told to trust
a development CA (``--callback-ca-file``, ``--ca-file``) or not to verify (``--callback-insecure``,
``--insecure``). Real TLS on 127.0.0.1 with a throwaway CA (trustme)."""

from __future__ import annotations

import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.delivery.tls import client_ssl
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.receiver_suite import Options, OptionsError, Suite, Unreachable
from tests.conftest import AUTH
from tests.delivery.test_delivery_contract import attempts, hook, person, wait


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def https_receiver(ca: trustme.CA) -> Iterator[CallbackInbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with CallbackInbox(tls=context) as receiver:
        yield receiver


def simulator(**tls: object) -> TestClient:
    settings = Settings(random_seed=7, retry_preset="fast", delivery_timeout="2s", **tls)  # type: ignore[arg-type]
    return TestClient(create_app(settings), headers=AUTH)


# -- the ssl argument ------------------------------------------------------------------------------


def test_the_ssl_argument_for_each_choice(ca_file: str, tmp_path: Path) -> None:
    assert client_ssl() is True  # the system's trust store, as aiohttp's default
    assert client_ssl(ca_file, insecure=True) is False
    context = client_ssl(ca_file)
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    for path in (str(bad), str(tmp_path / "missing.pem")):
        with pytest.raises(ValueError, match=f"cannot use {path} as a CA file"):
            client_ssl(path)


def test_serve_refuses_a_ca_file_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    run = subprocess.run(
        [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--callback-ca-file", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert f"cannot use {bad} as a CA file" in run.stderr and "Traceback" not in run.stderr


# -- callbacks -------------------------------------------------------------------------------------


def test_an_untrusted_certificate_is_a_failed_attempt_that_is_retried(https_receiver: CallbackInbox) -> None:
    with simulator() as client:
        hook(client, https_receiver.url)
        person(client)
        d = wait(client, attempts(1))
    first = d["attempt_log"][0]
    assert first["outcome"] == "retry" and first["response"]["status"] is None
    assert "certificate verify failed" in first["error"]
    assert d["state"] in ("retrying", "failed") and https_receiver.requests() == []


@pytest.mark.parametrize("how", ["ca_file", "insecure"])
def test_a_trusted_ca_or_no_verification_delivers(https_receiver: CallbackInbox, ca_file: str, how: str) -> None:
    tls = {"callback_ca_file": ca_file} if how == "ca_file" else {"callback_insecure": True}
    with simulator(**tls) as client:
        hook(client, https_receiver.url)
        person(client)
        d = wait(client, lambda d: d["state"] == "delivered")
    assert d["attempts"] == 1
    (got,) = https_receiver.requests()
    assert got.json["callback_type"] == "person_added"


def test_the_ca_file_does_not_stop_other_certificates_being_checked(ca_file: str) -> None:
    other = trustme.CA()  # a receiver whose certificate comes from another CA
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    other.issue_cert("127.0.0.1").configure_cert(context)
    with CallbackInbox(tls=context) as receiver, simulator(callback_ca_file=ca_file) as client:
        hook(client, receiver.url)
        person(client)
        d = wait(client, attempts(1))
    assert "certificate verify failed" in d["attempt_log"][0]["error"]


# -- the receiver suite ----------------------------------------------------------------------------


def test_the_suite_says_how_to_trust_an_unverified_receiver(https_receiver: CallbackInbox) -> None:
    with pytest.raises(Unreachable, match=r"does not verify .*--ca-file PEM .*--insecure"):
        Suite(Options(https_receiver.url))


@pytest.mark.parametrize("how", ["ca_file", "insecure"])
def test_the_suite_checks_an_https_receiver(https_receiver: CallbackInbox, ca_file: str, how: str) -> None:
    tls = {"ca_file": ca_file} if how == "ca_file" else {"insecure": True}
    with Suite(Options(https_receiver.url, **tls)) as suite:  # type: ignore[arg-type]
        result = suite.run("content_types")
    assert result.passed, result
    assert len(https_receiver.requests()) >= 2


def test_a_bad_ca_file_is_an_options_error(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="as a CA file"):
        Options("https://127.0.0.1:9/hook", ca_file=str(tmp_path / "missing.pem"))


def test_check_receiver_cli_over_https(https_receiver: CallbackInbox, ca_file: str) -> None:
    base = [
        sys.executable,
        "-m",
        "catapult_sim",
        "check-receiver",
        https_receiver.url,
        "--check",
        "content_types",
    ]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--ca-file" in refused.stderr and "Traceback" not in refused.stderr
    trusted = subprocess.run([*base, "--ca-file", ca_file], capture_output=True, text=True, timeout=60)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    insecure = subprocess.run([*base, "--insecure"], capture_output=True, text=True, timeout=60)
    assert insecure.returncode == 0, insecure.stdout + insecure.stderr


def test_the_pytest_receiver_suite_reads_the_tls_options_from_the_environment(ca_file: str) -> None:
    from catapult_sim.testing.receiver_suite import from_env

    options = from_env("https://127.0.0.1:9/hook", {"CATAPULT_RECEIVER_CA_FILE": ca_file})
    assert options.ca_file == ca_file and not options.insecure
    assert from_env("https://127.0.0.1:9/hook", {"CATAPULT_RECEIVER_INSECURE": "1"}).tls is False
    assert Settings.from_env({"CATAPULT_SIM_CALLBACK_INSECURE": "true"}).callback_insecure is True
