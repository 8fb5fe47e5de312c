"""Runs a handler written for AWS Lambda's Python runtime, ``handler(event, context)``, the way
that runtime does: the event JSON parsed into a dict, a context object with the runtime's
attributes, the result serialised as the runtime serialises it, an uncaught exception reported
as ``errorType``/``errorMessage``/``stackTrace``.

Pure Python and free of the component's bindings, so that the same code runs under CPython in
the tests and inside the component (``lambda_wasm.component``).
"""

import decimal
import importlib
import json
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional


# Where Lambda's runtimes give a handler its invocation's X-Ray trace header.
TRACE_ID_VARIABLE = "_X_AMZN_TRACE_ID"


@dataclass
class LambdaContext:
    """The ``context`` Lambda's Python runtime passes: the same attribute names and method."""

    aws_request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    # The runtime gives it as the string of the AWS_LAMBDA_FUNCTION_MEMORY_SIZE variable.
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int
    identity: Optional[Any] = None
    client_context: Optional[Any] = None
    # The runtime's attribute for a function in tenant isolation mode; None otherwise.
    tenant_id: Optional[str] = None
    # Not an attribute of the runtime's context: it gives the trace as _X_AMZN_TRACE_ID.
    xray_trace_id: Optional[str] = field(default=None, repr=False)
    remaining_ms: Optional[Callable[[], int]] = field(default=None, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation's deadline, as the runtime's method."""
        if self.remaining_ms is not None:
            return self.remaining_ms()
        return max(self.deadline_ms - int(time.time() * 1000), 0)


def host_context(
    call: Any,
    fn: Any,
    remaining_ms: Optional[Callable[[], int]] = None,
    trace_id: Optional[str] = None,
    tenant_id: Optional[str] = None,
) -> LambdaContext:
    """The context of the host's records (wit/proxy.wit): ``call`` has the fields of
    ``invocation-context``, ``fn`` those of ``function-context``, as attributes; ``trace_id`` and
    ``tenant_id`` are the ``invocation`` interface's."""
    return LambdaContext(
        aws_request_id=call.request_id,
        function_name=call.function_name,
        function_version=call.function_version,
        invoked_function_arn=fn.invoked_function_arn,
        memory_limit_in_mb=str(fn.memory_limit_in_mb),
        log_group_name=fn.log_group_name,
        log_stream_name=fn.log_stream_name,
        deadline_ms=call.deadline_epoch_ms,
        tenant_id=tenant_id,
        xray_trace_id=trace_id,
        remaining_ms=remaining_ms,
    )


@dataclass
class HandlerError(Exception):
    """An uncaught exception of the handler, as Lambda's runtime reports it."""

    error_type: str
    error_message: str
    stack_trace: List[str]


def load_handler(spec: str) -> Callable[[Any, LambdaContext], Any]:
    """Imports the module of ``module.function`` (Lambda's ``Handler`` setting), running its
    top-level code, and returns the function; raises ``HandlerError`` as Lambda's Python
    runtime reports a failed Init: ``Runtime.MalformedHandlerName``,
    ``Runtime.ImportModuleError``, ``Runtime.UserCodeSyntaxError``,
    ``Runtime.HandlerNotFound``, or the exception the module's code raised."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise HandlerError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)", [])
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise _error(error, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}', f"    {(error.text or '').strip()}"]
        raise HandlerError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", trace) from None
    except Exception as error:  # noqa: BLE001 - the module's own error fails the Init
        raise _error(error) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise HandlerError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", [])
    return handler


def _decimal_serializer(value: Any) -> Any:
    # The runtime's encoder turns a Decimal (DynamoDB's numbers) into a float.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(result: Any) -> str:
    """The result as Lambda's Python runtime serialises it."""
    return json.dumps(result, default=_decimal_serializer, ensure_ascii=False)


def _error(error: BaseException, error_type: Optional[str] = None, message: Optional[str] = None) -> HandlerError:
    # The stack trace starts in the handler, as Lambda's does: the adapter's frames and the
    # import machinery's are left out.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not _is_runtime_frame(frame.filename)]
    return HandlerError(
        error_type=error_type or type(error).__name__,
        error_message=str(error) if message is None else message,
        stack_trace=[line.rstrip("\n") for line in traceback.format_list(frames)],
    )


def _is_runtime_frame(filename: str) -> bool:
    directory = os.path.dirname(filename)
    return directory in _RUNTIME_DIRECTORIES or filename.startswith("<frozen importlib")


_RUNTIME_DIRECTORIES = (os.path.dirname(__file__), os.path.dirname(importlib.__file__))


def invoke(handler: Callable[[Any, LambdaContext], Any], event_json: str, context: LambdaContext) -> str:
    """Calls ``handler`` on the event and returns its result JSON; raises ``HandlerError``."""
    try:
        event = json.loads(event_json)
    except ValueError as error:
        raise _error(error, "Runtime.UnmarshalError") from None
    _RequestIdFilter.request_id = context.aws_request_id
    # As Lambda's Python runtime does: the invocation's trace, or none left from the last one.
    if context.xray_trace_id is not None:
        os.environ[TRACE_ID_VARIABLE] = context.xray_trace_id
    else:
        os.environ.pop(TRACE_ID_VARIABLE, None)
    try:
        result = handler(event, context)
    except Exception as error:  # noqa: BLE001 - every exception is the handler's error
        raise _error(error) from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        return to_json(result)
    except (TypeError, ValueError) as error:
        raise _error(error, "Runtime.MarshalError") from None


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def configure_logging() -> None:
    """The root logger as Lambda's Python runtime sets it: a handler on stdout whose lines
    carry the level, the time and the request id. The level stays WARNING, as there."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)
