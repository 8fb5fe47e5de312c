#!/usr/bin/env python3
"""`make new-handler NAME=orders`: creates guest/orders from guest/template, a handler crate with
a passing test, and adds it to the workspace. The Makefile lists every crate under guest/ as a
component, so `make components`, `make test` and `make package` take it from then on."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "guest/template"
# A crate name that is also a Rust keyword or a built-in crate would not compile as a library.
RESERVED = {"alloc", "core", "crate", "proc-macro", "self", "std", "super", "template", "test"}
VALID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def refuse(message):
    print(f"new-handler: {message}", file=sys.stderr)
    sys.exit(1)


def taken_names():
    """Every package name in the workspace, and every directory under guest/."""
    names = {path.name for path in (ROOT / "guest").iterdir()}
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".") and d != "target"]
        if "Cargo.toml" in files:
            text = (Path(directory) / "Cargo.toml").read_text()
            match = re.search(r'^name = "([^"]+)"', text, re.MULTILINE)
            if match:
                names.add(match.group(1))
    return names


def add_member(name):
    manifest = ROOT / "Cargo.toml"
    text = manifest.read_text()
    start = text.index("members = [")
    end = text.index("]", start)
    members = re.findall(r'"([^"]+)"', text[start:end])
    members = sorted(set(members) | {f"guest/{name}"})
    listed = "".join(f'    "{member}",\n' for member in members)
    manifest.write_text(f"{text[:start]}members = [\n{listed}{text[end:]}")


def main():
    if len(sys.argv) != 2 or not sys.argv[1]:
        refuse("give the handler a name: make new-handler NAME=orders")
    name = sys.argv[1]
    if not VALID.fullmatch(name) or len(name) > 64:
        refuse(f"{name!r} is not a valid name: lower-case letters, digits and single dashes, "
               "starting with a letter (e.g. orders, user-profile)")
    if name in RESERVED or name in taken_names():
        refuse(f"{name!r} is taken: choose another name")
    crate = name.replace("-", "_")
    target = ROOT / "guest" / name
    for template in TEMPLATE.rglob("*.tmpl"):
        text = template.read_text().replace("{{name}}", name).replace("{{crate}}", crate)
        out = target / template.relative_to(TEMPLATE).with_suffix("")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    add_member(name)
    print(f"created guest/{name} and added it to the workspace")


if __name__ == "__main__":
    main()
