"""``python -m lambda_wasm APP_DIR module.function EVENT_FILE CONTEXT_FILE``: the handler under
CPython, as the component runs it; prints the result JSON, or the error as Lambda reports it
(and exits 1).

CONTEXT_FILE holds the invocation's context as the host gives it to the component: a JSON
object with the fields of the ``invocation-context`` and ``function-context`` records
(wit/proxy.wit), ``request_id`` to ``log_stream_name``. The host's tests write it from the
context of ``bootstrap invoke``, which keeps the local values in one place."""

import json
import sys
from types import SimpleNamespace

import lambda_wasm


def read_context(context_file: str) -> lambda_wasm.LambdaContext:
    """The context whose record fields ``context_file`` holds."""
    with open(context_file, encoding="utf-8") as context:
        fields = SimpleNamespace(**json.load(context))
    return lambda_wasm.host_context(fields, fields)


def main(app_dir: str, spec: str, event_file: str, context_file: str) -> int:
    sys.path.insert(0, app_dir)
    with open(event_file, encoding="utf-8") as event:
        event_json = event.read()
    context = read_context(context_file)
    # The handler's own prints and logs go to stderr here, so that stdout is the result alone.
    stdout, sys.stdout = sys.stdout, sys.stderr
    lambda_wasm.configure_logging()
    try:
        handler = lambda_wasm.load_handler(spec)
        result = lambda_wasm.invoke(handler, event_json, context)
    except lambda_wasm.HandlerError as error:
        sys.stdout = stdout
        print(json.dumps({"errorType": error.error_type, "errorMessage": error.error_message, "stackTrace": error.stack_trace}))
        return 1
    sys.stdout = stdout
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
