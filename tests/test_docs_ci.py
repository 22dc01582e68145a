"""docs/ci.md and examples/ci/github-actions.yml: the job in the doc is the file, and the file is a job
that can work (ports agree, every report goes to reports/, every catapult-sim command line parses)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from catapult_sim.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"
WORKFLOW = ROOT / "examples" / "ci" / "github-actions.yml"


def yaml_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)


def job_in_doc() -> str:
    return yaml_blocks()[0]


def workflow_without_header() -> str:
    """The workflow file less its leading comment lines (how to use it), which the doc says in prose."""
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def test_the_job_in_the_doc_is_the_workflow_file() -> None:
    assert len(yaml_blocks()) == 2  # the job, then the sandbox step
    assert job_in_doc() == workflow_without_header()


def test_the_doc_and_the_file_mark_the_three_lines_to_adapt() -> None:
    assert "the three lines marked\n`ADAPT`" in DOC.read_text(encoding="utf-8")
    assert WORKFLOW.read_text(encoding="utf-8").count("# ADAPT") == 3
    assert job_in_doc().count("# ADAPT") == 3


def steps_text(job: str) -> list[tuple[str, str]]:
    """(name or uses, body) of each step, from the text: a step starts at a ``      - `` line."""
    steps: list[tuple[str, str]] = []
    for chunk in re.split(r"^      - ", job.split("    steps:\n", 1)[1], flags=re.M)[1:]:
        head = chunk.splitlines()[0]
        steps.append((head.split(":", 1)[1].strip(), chunk))
    return steps


def test_the_steps_in_order() -> None:
    names = [name for name, _ in steps_text(job_in_doc())]
    assert names == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "Install",
        "CRM tests (pytest plugin)",
        "Start catapult-sim",
        "Provider suite",
        "Start the CRM's callback receiver",
        "Receiver suite",
        "Upload the reports",
    ]
    upload = dict(steps_text(job_in_doc()))["Upload the reports"]
    assert "if: always()" in upload and "path: reports/" in upload


def port(url: str) -> int:
    found = re.search(r"//127\.0\.0\.1:(\d+)", url)
    assert found, url
    return int(found.group(1))


def test_the_servers_listen_where_the_env_urls_point() -> None:
    job = job_in_doc()
    sim_url = re.search(r"^      SIM_URL: (\S+)", job, re.M)
    receiver_url = re.search(r"^      RECEIVER_URL: (\S+)", job, re.M)
    assert sim_url and receiver_url
    serve = re.search(r"catapult-sim serve --port (\d+)", job)
    uvicorn = re.search(r"uvicorn .* --port (\d+)", job)
    assert serve and uvicorn
    assert int(serve.group(1)) == port(sim_url.group(1))
    assert int(uvicorn.group(1)) == port(receiver_url.group(1))
    assert receiver_url.group(1).endswith("/vibes/callbacks")  # the example receiver's route


def commands(text: str) -> list[str]:
    """Every ``catapult-sim ...`` command in ``text``, one per shell command, without redirections."""
    text = re.sub(r"\s*\\\n\s*", " ", text)
    found = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        for part in re.split(r"&&|;|\|", re.split(r"\s#\s", line)[0]):
            command = re.sub(r"^(?:run:|do|\$)?\s*", "", part.strip())
            if command.startswith("catapult-sim "):
                found.append(re.split(r"\s[0-9]?>|\s&\s*$", command)[0].strip())
    return found


def folded_runs(job: str) -> str:
    """The job with each folded ``run: >`` block joined into one line, as the shell gets it."""
    return re.sub(r"run: >\n((?:\s{10}.*\n)+)", lambda m: "run: " + " ".join(m.group(1).split()) + "\n", job)


def test_every_catapult_sim_command_line_parses() -> None:
    found = commands(folded_runs(job_in_doc())) + commands(folded_runs(yaml_blocks()[1]))
    assert [c.split()[1] for c in found] == ["serve", "health", "contract", "check-receiver", "contract"]
    parser = build_parser()
    for command in found:
        try:
            args = parser.parse_args(shlex.split(command)[1:])
        except SystemExit:  # argparse printed why
            pytest.fail(f"catapult-sim does not take: {command}")
        assert getattr(args, "handler", None) is not None, command


def test_every_report_is_written_under_reports() -> None:
    for block in yaml_blocks():
        outputs = re.findall(r"(?:--junitxml=|--junit |--report-file )(\S+)", block)
        outputs += re.findall(r"\S+\.log\b", block)
        assert outputs, block
        assert all(o.startswith("reports/") for o in outputs), outputs


def test_the_commands_are_found_in_a_shell_text() -> None:
    text = (
        'do catapult-sim health --url "$U" > /dev/null 2>&1 && exit 0; echo "catapult-sim did not start"\n'
        "pip install catapult-sim pytest-xdist  # catapult-sim brings the plugin\n"
        "# catapult-sim in a comment\n"
        "catapult-sim serve --port 1 > x 2>&1 &\n"
        "$ catapult-sim contract --target URL \\\n    --junit y.xml\n"
    )
    assert commands(text) == [
        'catapult-sim health --url "$U"',
        "catapult-sim serve --port 1",
        "catapult-sim contract --target URL --junit y.xml",
    ]


# -- the same job as YAML (PyYAML is there when schemathesis is installed) -------------------------------


def parsed(text: str) -> Any:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(text)


def test_the_file_is_a_github_actions_workflow() -> None:
    workflow = parsed(WORKFLOW.read_text(encoding="utf-8"))
    assert workflow == parsed(job_in_doc())
    assert workflow["name"]
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as true
    job = workflow["jobs"]["catapult"]
    assert job["runs-on"] == "ubuntu-latest"
    assert set(job["env"]) == {"SIM_URL", "RECEIVER_URL"}
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        assert set(step) <= {"name", "uses", "with", "run", "if", "env"}, step
    runs = {step["name"]: step["run"] for step in job["steps"] if "run" in step}
    assert runs["Provider suite"].startswith('catapult-sim contract --target "$SIM_URL"')
    assert runs["Receiver suite"].startswith('catapult-sim check-receiver "$RECEIVER_URL"')
    assert job["steps"][-1]["if"] == "always()"


def test_the_sandbox_step_is_one_step_with_its_secrets() -> None:
    (step,) = parsed(yaml_blocks()[1])
    assert step["name"] == "Provider suite (sandbox)"
    assert set(step["env"]) == {"VIBES_URL", "VIBES_COMPANY", "VIBES_USER", "VIBES_PASSWORD"}
    assert all(value.startswith("${{ secrets.") for value in step["env"].values())
    for name in step["env"]:
        assert f'"${name}"' in step["run"]
