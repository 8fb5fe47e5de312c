"""The ``event-handler`` world's export (wit/proxy.wit) on top of ``lambda_wasm``: the context
from the host's ``invocation`` and ``function`` interfaces, the error as ``error-details``.

componentize-py imports the app module, and with it the user's handler module, when it builds
the component: the module's top-level code runs once, at build time, and every instance starts
from that snapshot (on Lambda it runs once per execution environment).
"""

from typing import Any, Callable

from componentize_py_types import Err
from wit_world.imports import function, invocation
from wit_world.imports.event_errors import ErrorDetails

import lambda_wasm


def make_world(spec: str) -> type:
    """The ``WitWorld`` class componentize-py exports, calling the handler ``spec`` names."""
    handler: Callable[[Any, lambda_wasm.LambdaContext], Any] = lambda_wasm.load_handler(spec)
    lambda_wasm.configure_logging()

    class WitWorld:
        def handle_event(self, event: str) -> str:
            context = lambda_wasm.host_context(
                invocation.context(),
                function.context(),
                invocation.remaining_time_ms,
                trace_id=invocation.trace_id(),
                tenant_id=invocation.tenant_id(),
            )
            try:
                return lambda_wasm.invoke(handler, event, context)
            except lambda_wasm.HandlerError as error:
                raise Err(ErrorDetails(error.error_type, error.error_message, error.stack_trace))

    return WitWorld
