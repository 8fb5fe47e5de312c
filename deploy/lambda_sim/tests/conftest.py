"""What lambda-sim's tests share: the fixture template, artifacts laid out from the real builds
(the layer's bootstrap from `make package`, the components from `make components`), and a run
of the real `python -m lambda_sim`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE = FIXTURES / "template.yaml"
COMPONENTS = REPO / "target" / "wasm32-wasip2" / "release"
LAYER_BOOTSTRAP = REPO / "target" / "deploy" / "BootstrapLayer" / "bootstrap"
# Each function of the fixture template -> the files of its code.
CODE = {
    "ProbeFunction": [FIXTURES / "probe" / "bootstrap"],
    "EnvironmentProbeFunction": [FIXTURES / "probe" / "bootstrap"],
    "InitOomFunction": [FIXTURES / "probe" / "bootstrap"],
    "LayeredProbeFunction": [FIXTURES / "probe" / "bootstrap"],
    "SlowInitFunction": [COMPONENTS / "users.wasm"],
    "OomFunction": [COMPONENTS / "hostile_memory_bomb.wasm"],
    "HelloFunction": [COMPONENTS / "hello_world.wasm"],
    "MissingHandlerFunction": [COMPONENTS / "hello_world.wasm"],
    "ReservedFunction": [COMPONENTS / "hello_world.wasm"],
}

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root (make test runs as root)")


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """The fixture template's artifacts, as `make package` lays them out."""
    return lay_out(tmp_path / "artifacts")


def lay_out(root: Path) -> Path:
    """The fixture template's artifacts under `root`."""
    for function, files in {"Layer": [LAYER_BOOTSTRAP], **CODE}.items():
        directory = root / function
        directory.mkdir(parents=True)
        for file in files:
            assert file.exists(), f"{file} is missing: run `make package components` first"
            shutil.copy2(file, directory / file.name)
    for layer in ("FirstLayer", "SecondLayer"):
        (root / layer).mkdir()
        (root / layer / "extra.txt").write_text(f"from {layer}")
    for path in [root, *root.rglob("*")]:
        # World-readable, as Lambda needs its code to be.
        path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    return root


def run_sim(artifacts: Path, scenarios: dict, *args: str, tmp_path: Path, timeout: int = 120, user=None):
    """`python -m lambda_sim` on the fixture template (as `user`, a uid, if given); its exit code
    and output."""
    scenario_file = tmp_path / "scenarios.yaml"
    scenario_file.write_text(yaml.safe_dump(scenarios))
    scenario_file.chmod(0o644)
    as_user = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    command = [
        *as_user,
        sys.executable,
        "-m",
        "lambda_sim",
        "--template",
        str(TEMPLATE),
        "--artifacts",
        str(artifacts),
        "--scenarios",
        str(scenario_file),
        *args,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "deploy")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    return done.returncode, done.stdout + done.stderr
