"""A function's packaged artifacts, as `make package` (target/deploy/<LogicalId>/) and `sam build`
(.aws-sam/build/<LogicalId>/) lay them out: its code directory, its layers' directories, and
where Lambda finds the runtime's `bootstrap` among them (the code first, then the layers, the
last layer over the earlier ones as Lambda extracts them into /opt).
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .template import Function

# ELF e_machine numbers, and the Lambda architecture each is.
ELF_MACHINES = {62: "x86_64", 183: "arm64"}


class ArtifactError(Exception):
    """Artifacts that cannot run as the function."""


@dataclass
class Artifacts:
    """Where one function's code and layers are on this machine."""

    code: Path
    layers: list[Path]
    # "task" (the code's own bootstrap, /var/task/bootstrap) or "opt" (a layer's, /opt/bootstrap).
    bootstrap_in: str
    bootstrap: Path

    def zipped_bytes(self) -> int:
        """The size of the function's code as a deployment zip."""
        return zipped_size(self.code)


def locate(function: Function, artifacts_dir: Path) -> Artifacts:
    """The function's directories under `artifacts_dir`; ArtifactError says what is missing."""
    code = artifacts_dir / function.logical_id
    if not code.is_dir():
        raise ArtifactError(f"no code at {code}: build the artifacts first (make package, or sam build)")
    layers = []
    for layer in function.layers:
        if layer.startswith("arn:"):
            raise ArtifactError(f"layer {layer} is not built from this template: only its own layers can run")
        directory = artifacts_dir / layer
        if not directory.is_dir():
            raise ArtifactError(f"no layer {layer} at {directory}")
        layers.append(directory)
    for where, directory in [("task", code)] + [("opt", layer) for layer in reversed(layers)]:
        bootstrap = directory / "bootstrap"
        if bootstrap.is_file():
            return Artifacts(code, layers, where, bootstrap)
    raise ArtifactError(
        "no bootstrap in the code or its layers: an OS-only runtime needs one (Runtime.InvalidEntrypoint)"
    )


def elf_architecture(path: Path) -> str | None:
    """The Lambda architecture of an ELF executable; None for a script or an unknown machine."""
    with open(path, "rb") as file:
        header = file.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byteorder = "little" if header[5] == 1 else "big"
    return ELF_MACHINES.get(int.from_bytes(header[18:20], byteorder))


def zipped_size(directory: Path) -> int:
    """The bytes of `directory`'s files zipped with deflate, as `make package` zips them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return buffer.tell()
