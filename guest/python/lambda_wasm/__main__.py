"""``python -m lambda_wasm APP_DIR module.function EVENT_FILE``: the handler under CPython, as
the component runs it, with the context ``bootstrap invoke`` gives; prints the result JSON, or
the error as Lambda reports it (and exits 1)."""

import json
import sys
import time
import uuid

import lambda_wasm


def local_context(timeout_ms: int = 30_000) -> lambda_wasm.LambdaContext:
    """The context of a local run, with the values ``bootstrap invoke`` gives the component."""
    return lambda_wasm.LambdaContext(
        aws_request_id=f"local-{uuid.uuid4()}",
        function_name="local",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:012345678912:function:local",
        memory_limit_in_mb="128",
        log_group_name="/aws/lambda/local",
        log_stream_name="$LATEST",
        deadline_ms=int(time.time() * 1000) + timeout_ms,
    )


def main(app_dir: str, spec: str, event_file: str) -> int:
    sys.path.insert(0, app_dir)
    with open(event_file, encoding="utf-8") as event:
        event_json = event.read()
    # The handler's own prints and logs go to stderr here, so that stdout is the result alone.
    stdout, sys.stdout = sys.stdout, sys.stderr
    handler = lambda_wasm.load_handler(spec)
    lambda_wasm.configure_logging()
    try:
        result = lambda_wasm.invoke(handler, event_json, local_context())
    except lambda_wasm.HandlerError as error:
        sys.stdout = stdout
        print(json.dumps({"errorType": error.error_type, "errorMessage": error.error_message, "stackTrace": error.stack_trace}))
        return 1
    sys.stdout = stdout
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
