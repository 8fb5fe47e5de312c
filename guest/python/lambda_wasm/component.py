"""The ``event-handler`` world's exports (wit/proxy.wit) on top of ``lambda_wasm``, and what the
component is made of.

At build time (componentize-py runs the app module, then snapshots the interpreter):
- the sandbox's networking replaces the platform's: ``ssl`` (``lambda_wasm.tls``), TCP
  connections (``lambda_wasm.sockets``) and botocore's sending and signing
  (``lambda_wasm.boto``), all through the host (``lambda_wasm.outbound``);
- the libraries (the AWS SDK the runtime bundles, the app's requirements) are imported whole,
  and so is every module the app's import statements name;
- the files the function may read at run time are read into memory (``lambda_wasm.files``): the
  app's own, the libraries' data, and botocore's models of the AWS services it uses;
- boto3's default session is made, its models loaded, so that a client or resource made at Init
  parses nothing;
- the app's modules are compiled but not run (``lambda_wasm.app``).

At Init (the world's ``init``, once per instance, with the function's environment): the handler
module is imported, its top-level code run, as Lambda's runtime does. Then ``handle-event`` runs
each invocation on the same instance, so module-level state carries over as on Lambda (unless
the host gives each invocation a fresh instance).
"""

import os
import sys
from typing import Any, Callable, Iterable, List, Optional

from lambda_wasm import files, outbound, sockets, tls

# Before anything imports ssl or opens a connection.
tls.install()
sockets.install(outbound.send)

from componentize_py_types import Err  # noqa: E402
from wit_world.imports import function, invocation  # noqa: E402
from wit_world.imports.event_errors import ErrorDetails  # noqa: E402

import lambda_wasm  # noqa: E402
from lambda_wasm import app  # noqa: E402

# The Makefile puts this file in each directory of libraries it installs (the requirements, the
# runtime's bundled AWS SDK).
LIBRARIES_MARKER = ".lambda-wasm-libraries"
# The region boto3's models are loaded for at build time: any does, endpoints are per call.
_BUILD_REGION = "us-east-1"


def make_world(spec: str, services: Iterable[str] = ()) -> type:
    """The ``WitWorld`` class componentize-py exports, calling the handler ``spec`` names;
    ``services`` are the AWS services whose botocore models the component carries, besides
    those the app's code names."""
    libraries = [path for path in sys.path if os.path.isfile(os.path.join(path, LIBRARIES_MARKER))]
    _import_libraries(libraries)
    app_root = _app_root(spec)
    modules = app.AppModules.capture(app_root)
    app.preimport(app.imported_names(modules.packaged_sources()), skip=modules.top_level())
    used = sorted({service for service in services if service} | set(app.aws_services(modules.sources.values())))
    shipped = _ship_files(app_root, libraries, used)
    _warm_boto3(used)
    files.install(shipped)
    lambda_wasm.configure_logging()
    return _world(spec, modules)


def _import_libraries(libraries: List[str]) -> None:
    try:
        import botocore  # noqa: F401
    except ImportError:
        pass
    else:
        from lambda_wasm import boto

        boto.install()
    packages = [name for directory in libraries for name in _top_level_packages(directory)]
    app.import_packages(packages)


def _top_level_packages(directory: str) -> List[str]:
    names = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if entry.endswith(".py") and entry[:-3].isidentifier():
            names.append(entry[:-3])
        elif entry.isidentifier() and os.path.isfile(os.path.join(path, "__init__.py")):
            names.append(entry)
    return names


def _app_root(spec: str) -> str:
    module_name = spec.rpartition(".")[0].replace("/", ".")
    top = module_name.partition(".")[0]
    found = None
    for path in sys.path:
        if os.path.isfile(os.path.join(path, f"{top}.py")) or os.path.isfile(os.path.join(path, top, "__init__.py")):
            found = path
            break
    if found is None:
        raise ImportError(f"the handler module {module_name!r} of {spec!r} is in none of the app's directories")
    return found


def _ship_files(app_root: str, libraries: List[str], services: List[str]) -> files.Files:
    shipped = files.Files()
    shipped.add_tree(app_root, keep=lambda path: not path.endswith((".py", ".pyc")))
    for directory in libraries:
        shipped.add_tree(directory, keep=lambda path: _library_data(path))
    for package in ("botocore", "boto3"):
        module = sys.modules.get(package)
        if module is None:
            continue
        data = os.path.join(os.path.dirname(module.__file__), "data")
        shipped.add_tree(data, keep=lambda path, data=data: _service_data(os.path.relpath(path, data), services))
    return shipped


def _library_data(path: str) -> bool:
    # Modules are in the snapshot; the AWS SDK's models are chosen by service.
    parts = path.split(os.sep)
    if path.endswith((".py", ".pyc", ".pyi")) or any(part.endswith(".dist-info") for part in parts):
        return False
    return not (("botocore" in parts or "boto3" in parts) and "data" in parts)


def _service_data(relative: str, services: List[str]) -> bool:
    parts = relative.split(os.sep)
    if len(parts) == 1:
        # endpoints.json, partitions.json, _retry.json, sdk-default-configuration.json
        return True
    # Examples document the API; nothing reads them at run time.
    return parts[0] in services and not parts[-1].startswith("examples-")


def _warm_boto3(services: List[str]) -> None:
    """boto3's default session, its models loaded for ``services``: a client or resource made
    at Init then takes them from the session's caches. Unsigned, as every client here: the
    guest holds no credentials, at build time neither."""
    if "boto3" not in sys.modules or not services:
        return
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    # No region of its own: Init's comes from the function's environment.
    session = boto3.Session()
    config = Config(signature_version=UNSIGNED)
    for service in services:
        try:
            session.client(service, region_name=_BUILD_REGION, config=config)
            if service in session.get_available_resources():
                session.resource(service, region_name=_BUILD_REGION, config=config)
        except Exception:  # noqa: BLE001 - a name that is no service: botocore says so at Init
            continue
    boto3.DEFAULT_SESSION = session


def _world(spec: str, modules: app.AppModules) -> type:
    handler: List[Optional[Callable[[Any, lambda_wasm.LambdaContext], Any]]] = [None]

    def init() -> None:
        # The guest holds no credentials: botocore need not look for them in the instance
        # metadata, which the host never lets a guest reach.
        os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
        # botocore trails an upload's checksum only on a request it signs itself (with the
        # payload hash that says so); the host signs here, so checksums go where required.
        os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
        modules.install()
        try:
            handler[0] = lambda_wasm.load_handler(spec)
        except lambda_wasm.HandlerError as error:
            raise Err(ErrorDetails(error.error_type, error.error_message, error.stack_trace)) from None
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    class WitWorld:
        def init(self) -> None:
            init()

        def handle_event(self, event: str) -> str:
            if handler[0] is None:
                # A host that does not call `init` (built for the contract's 0.1.0).
                init()
            context = lambda_wasm.host_context(
                invocation.context(),
                function.context(),
                invocation.remaining_time_ms,
                trace_id=invocation.trace_id(),
                tenant_id=invocation.tenant_id(),
            )
            try:
                return lambda_wasm.invoke(handler[0], event, context)
            except lambda_wasm.HandlerError as error:
                raise Err(ErrorDetails(error.error_type, error.error_message, error.stack_trace))

    return WitWorld
