"""What the component is built of, under CPython: the app's modules compiled and imported from
memory at Init, the modules their imports name, the AWS services their code names, and the
files served from memory."""

import gzip
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lambda_wasm import app, files  # noqa: E402


def write(root: Path, files_and_sources: dict) -> None:
    for name, source in files_and_sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_the_apps_modules_run_only_when_imported_and_then_with_the_environment(tmp_path, monkeypatch):
    write(tmp_path, {
        "handler_mod.py": "import os\nfrom helpers import greet\nNAME = os.environ['GREETED']\ndef handler(e, c):\n    return greet(NAME)\n",
        "helpers/__init__.py": "from .text import greet\n",
        "helpers/text.py": "def greet(name):\n    return 'hi ' + name\n",
        "broken.py": "def f(:\n",
    })
    modules = app.AppModules.capture(str(tmp_path))
    assert set(modules.modules) == {"handler_mod", "helpers", "helpers.text", "broken"}
    assert modules.top_level() == {"handler_mod", "helpers", "broken"}
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    for name in ("handler_mod", "helpers", "helpers.text"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    # The files are gone: the modules come from memory.
    for path in tmp_path.rglob("*.py"):
        path.unlink()
    modules.install()
    monkeypatch.setenv("GREETED", "Ann")
    import handler_mod

    assert handler_mod.handler({}, None) == "hi Ann"
    assert handler_mod.__file__ == str(tmp_path / "handler_mod.py")
    with pytest.raises(SyntaxError):
        import broken  # noqa: F401


def test_the_imports_of_the_app_are_found_in_functions_and_relative_ones_resolved():
    sources = [
        ("pkg", "import json\nimport urllib.request as r\nfrom . import sibling\nfrom ..top import x\n"
                "def f():\n    import uuid\n    from decimal import Decimal\n"),
        ("", "from pkg.mod import f\nimport boto3\n"),
    ]
    names = app.imported_names(sources)
    for expected in ("json", "urllib.request", "pkg.sibling", "uuid", "decimal", "decimal.Decimal", "pkg.mod", "boto3"):
        assert expected in names, expected
    assert not any(name.startswith("top") for name in names), names


def test_preimport_imports_libraries_skips_the_app_and_reports_what_is_missing(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    failed = app.preimport(["colorsys", "decimal.Decimal", "surely_absent_module", "handler_mod.x"], skip={"handler_mod"})
    assert "colorsys" in sys.modules
    assert failed == ["surely_absent_module"]


def test_the_aws_services_the_code_names_are_found():
    source = (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "table = boto3.resource('dynamodb').Table('t')\n"
        "sqs = boto3.session.Session().client(service_name='sqs', region_name='eu-west-1')\n"
        "name = 'sns'\nother = boto3.client(name)\n"
    )
    assert app.aws_services([source]) == ["dynamodb", "s3", "sqs"]


def test_shipped_files_are_read_from_memory_by_open_and_os(tmp_path, monkeypatch):
    data = tmp_path / "data"
    write(data, {"service/2020-01-01/model.json": json.dumps({"a": 1}), "root.json": "[]"})
    (data / "service/2020-01-01/model.json.gz").write_bytes(gzip.compress(b'{"gz": true}'))
    shipped = files.Files()
    total = shipped.add_tree(str(data), keep=lambda path: not path.endswith("root.json"))
    assert total > 0
    for name in ("open", "stat", "lstat", "listdir", "scandir"):
        monkeypatch.setattr(os if name != "open" else __import__("builtins"), name, getattr(os if name != "open" else __import__("builtins"), name))
    monkeypatch.setattr(__import__("io"), "open", __import__("io").open)
    # Gone from the disk: served from memory.
    for path in sorted(data.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    files.install(shipped)
    model = data / "service/2020-01-01/model.json"
    with open(model, encoding="utf-8") as file:
        assert json.load(file) == {"a": 1}
    with gzip.open(str(model) + ".gz") as file:
        assert json.load(file) == {"gz": True}
    assert os.path.isdir(data / "service") and os.path.isfile(model) and os.path.exists(data)
    assert os.listdir(data / "service") == ["2020-01-01"]
    assert sorted(entry.name for entry in os.scandir(data / "service/2020-01-01")) == ["model.json", "model.json.gz"]
    assert not os.path.exists(data / "root.json")
    with pytest.raises(PermissionError):
        open(model, "w")
