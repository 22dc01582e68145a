"""The built wheel, installed into a fresh venv, as a CRM project would use it.

The wheel is built from this tree (``python -m build``, what ``make dist`` runs) and installed
with pip into a new venv. Its dependencies are not downloaded again: a ``.pth`` file lends the new
venv this environment's site-packages (a ``.pth`` line adds a path, it does not run the ``.pth``
files there, so the editable install of this tree is not seen). Everything ``catapult_sim`` is
imported from is then the installed wheel, which the tests check.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PLUGIN_DOC = ROOT / "docs" / "pytest-plugin.md"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)]
    done = subprocess.run(build, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(out.glob("catapult_sim-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=120)
    python = home / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site) / "_borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return home


def run(venv: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CATAPULT_SIM_", "PYTEST_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_catapult_sim_alone_at_top_level(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        top = {name.split("/")[0] for name in z.namelist()}
    assert top == {"catapult_sim", wheel.name.split("-py3")[0] + ".dist-info"}


def ten_line_test() -> str:
    """The first Python block of docs/pytest-plugin.md: the test a new user copies."""
    return re.findall(r"^```python\n(.*?)^```$", PLUGIN_DOC.read_text(encoding="utf-8"), re.M | re.S)[0]


def crm_project(where: Path) -> Path:
    """A CRM repository with packages of its own named ``simulator`` and ``contract_tests``."""
    for package in ("simulator", "contract_tests"):
        (where / package).mkdir()
        (where / package / "__init__.py").write_text(f"OWNER = 'the CRM'\nNAME = {package!r}\n")
    (where / "simulator" / "testing.py").write_text("def fake_send(): return 'queued'\n")
    (where / "tests").mkdir()
    (where / "tests" / "test_own_packages.py").write_text(
        "import contract_tests\nimport simulator\nfrom simulator.testing import fake_send\n\n\n"
        "def test_the_projects_own_packages_are_the_ones_imported():\n"
        "    assert simulator.OWNER == contract_tests.OWNER == 'the CRM'\n"
        "    assert fake_send() == 'queued'\n"
    )
    (where / "contract_tests" / "test_contract.py").write_text(
        "from contract_tests import NAME\n\n\ndef test_a_contract_test_of_the_crm():\n"
        "    assert NAME == 'contract_tests'\n"
    )
    (where / "tests" / "test_plugin.py").write_text(ten_line_test())
    (where / "pyproject.toml").write_text("[tool.pytest.ini_options]\ntestpaths = ['tests', 'contract_tests']\n")
    return where


def test_a_crm_with_its_own_simulator_package_runs_pytest_green_with_the_plugin(venv: Path, tmp_path: Path) -> None:
    crm = crm_project(tmp_path)
    python = str(venv / "bin" / "python")
    done = run(venv, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--fixtures", cwd=crm)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "callback_inbox" in done.stdout and "catapult " in done.stdout  # the plugin's fixtures
    done = run(venv, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=crm)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout and "failed" not in done.stdout


def test_only_catapult_sim_is_importable_and_it_is_the_installed_one(venv: Path, tmp_path: Path) -> None:
    python = str(venv / "bin" / "python")
    for gone in ("simulator", "contract_tests"):
        done = run(venv, python, "-c", f"import {gone}", cwd=tmp_path)
        assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr, done.stderr
    where = run(venv, python, "-c", "import catapult_sim; print(catapult_sim.__file__)", cwd=tmp_path).stdout
    assert where.startswith(str(venv)), where


def test_the_installed_command_runs(venv: Path, tmp_path: Path) -> None:
    done = run(venv, str(venv / "bin" / "catapult-sim"), "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout and "contract" in done.stdout


def test_uvloop_and_httptools_are_never_imported_unconditionally() -> None:
    """Both are optional (no uvloop on Windows): uvicorn picks them up when installed ("auto")."""
    for path in (ROOT / "catapult_sim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not {n.split(".")[0] for n in names} & {"uvloop", "httptools"}, path
        assert '"uvloop"' not in path.read_text(encoding="utf-8"), path  # nor forced on uvicorn


def test_no_doc_installs_the_unpublished_name() -> None:
    """catapult-sim is not on PyPI: ``pip install catapult-sim`` would fail, or install someone else's."""
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("*.*")]
    bare = re.compile(r"pip install\b[^\n]*?(?<![\w@/.-])catapult-sim(?![\w.-]|\s*@|\[)")
    for path in texts:
        if path.suffix in (".md", ".yml", ".py", ".txt", ".toml"):
            found = bare.search(path.read_text(encoding="utf-8"))
            assert found is None, f"{path.relative_to(ROOT)}: {found.group(0) if found else ''}"
