"""The function's own modules, run at Init rather than at build time: componentize-py builds the
component by running the app module and snapshotting the interpreter, without the function's
environment, and a component has no files to import from at run time. So at build time the
app's modules are compiled, kept in memory, and imported at Init by a finder of their own, with
the function's environment, as Lambda's runtime imports them.

What they import from elsewhere (the standard library, boto3, the requirements) must be in the
snapshot: the import statements of the app's modules are read (``ast``) and those modules
imported at build time, and libraries are imported whole (``import_packages``), since they
import some of their modules lazily, at run time.

Pure Python: the tests run it under CPython.
"""

import ast
import importlib
import importlib.abc
import importlib.machinery
import os
import pkgutil
import sys
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set, Tuple


@dataclass
class _Module:
    origin: str
    code: object
    package: bool


class AppModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The app's modules, compiled at build time, imported from memory."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.modules: Dict[str, _Module] = {}
        self.sources: Dict[str, str] = {}

    @classmethod
    def capture(cls, root: str) -> "AppModules":
        """Every Python module under ``root``, compiled; a syntax error is raised as Lambda's
        runtime raises it at Init, so it is kept for then (see ``find_spec``)."""
        modules = cls(root)
        for directory, subdirs, names in os.walk(root):
            subdirs[:] = sorted(name for name in subdirs if name != "__pycache__" and not name.endswith((".dist-info", ".egg-info")))
            for name in sorted(names):
                if name.endswith(".py"):
                    modules._add(os.path.join(directory, name))
        return modules

    def _add(self, path: str) -> None:
        relative = os.path.relpath(path, self.root)[: -len(".py")].split(os.sep)
        package = relative[-1] == "__init__"
        if package:
            relative = relative[:-1]
        if not relative or not all(part.isidentifier() for part in relative):
            return
        with open(path, "rb") as file:
            source = file.read()
        name = ".".join(relative)
        self.sources[name] = source.decode("utf-8", errors="replace")
        try:
            code = compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as error:
            code = error
        self.modules[name] = _Module(origin=path, code=code, package=package)

    def packaged_sources(self) -> List[Tuple[str, str]]:
        """Each module's source, with the package its relative imports start from."""
        return [(name if self.modules[name].package else name.rpartition(".")[0], source) for name, source in self.sources.items()]

    def top_level(self) -> Set[str]:
        """The names the app's modules take at the top of the module namespace."""
        return {name.partition(".")[0] for name in self.modules}

    # The finder and loader, first on sys.meta_path at run time.

    def find_spec(self, fullname: str, path=None, target=None):
        module = self.modules.get(fullname)
        if module is None:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=module.origin, is_package=module.package)
        if module.package:
            spec.submodule_search_locations = [os.path.dirname(module.origin)]
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        compiled = self.modules[module.__spec__.name].code
        if isinstance(compiled, SyntaxError):
            raise compiled
        exec(compiled, module.__dict__)

    def install(self) -> None:
        """Imports the app's modules from memory from now on."""
        sys.meta_path.insert(0, self)


def imported_names(sources: Iterable[Tuple[str, str]]) -> List[str]:
    """The absolute module names the import statements of ``sources`` name, anywhere in them (in
    functions too), in order, each once; ``from a import b`` gives ``a`` and ``a.b`` (which may
    be a module). Each source comes with the package its relative imports start from (the
    module's own name for a package's ``__init__``, else its parent's; empty at the top)."""
    names: Dict[str, None] = {}
    for package, source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.name] = None
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(package, node)
                if base is None:
                    continue
                names[base] = None
                for alias in node.names:
                    if alias.name != "*":
                        names[f"{base}.{alias.name}"] = None
    return list(names)


def aws_services(sources: Iterable[str]) -> List[str]:
    """The AWS services the code names in ``boto3.client("...")``, ``boto3.resource("...")``
    or a session's, as string literals."""
    found = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name not in ("client", "resource"):
                continue
            arguments = list(node.args[:1]) + [keyword.value for keyword in node.keywords if keyword.arg == "service_name"]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    return sorted(found)


def _resolve(package: str, node: ast.ImportFrom) -> Optional[str]:
    if not node.level:
        return node.module
    parts = package.split(".") if package else []
    # Level 1 is the package itself; each level more, its parent; never above the top one.
    if node.level > len(parts):
        return None
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def preimport(names: Iterable[str], skip: Set[str]) -> List[str]:
    """Imports each module of ``names`` whose top-level name is not in ``skip``; returns those
    that could not be imported (a name in ``from a import b`` that is not a module is no
    failure)."""
    failed = []
    for name in names:
        if name.partition(".")[0] in skip:
            continue
        parent, _, child = name.rpartition(".")
        try:
            importlib.import_module(name)
        except ImportError:
            # `from a import b` where `b` is a name in `a`, not a module.
            if parent and child and hasattr(sys.modules.get(parent), child):
                continue
            failed.append(name)
        except Exception:  # noqa: BLE001 - a module failing at import is reported, not fatal
            failed.append(name)
    return failed


def import_packages(packages: Iterable[str]) -> List[str]:
    """Imports each of ``packages`` and all its submodules; returns the modules that failed
    (optional parts whose own dependencies are absent)."""
    failed = []
    for package in packages:
        try:
            root = importlib.import_module(package)
        except Exception:  # noqa: BLE001
            failed.append(package)
            continue
        search = getattr(root, "__path__", None)
        if search is None:
            continue
        for info in pkgutil.walk_packages(search, prefix=f"{package}.", onerror=failed.append):
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001
                failed.append(info.name)
    return failed
