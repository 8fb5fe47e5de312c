"""The adapter under CPython: the event and context a handler gets, and what becomes of its
result or exception."""

import decimal
import json
import logging
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lambda_wasm  # noqa: E402
from lambda_wasm.__main__ import main  # noqa: E402

# The fields of the host's invocation-context and function-context records (wit/proxy.wit).
CONTEXT_FIELDS = {
    "request_id": "test-request",
    "function_name": "adapter-test",
    "function_version": "7",
    "invoked_function_arn": "arn:aws:lambda:eu-west-1:111122223333:function:adapter-test:live",
    "memory_limit_in_mb": 256,
    "log_group_name": "/aws/lambda/adapter-test",
    "log_stream_name": "2024/05/01/[7]abc",
}


def a_context(timeout_ms: int = 30_000) -> lambda_wasm.LambdaContext:
    """A context as the host gives one, ``timeout_ms`` before its deadline."""
    fields = SimpleNamespace(**CONTEXT_FIELDS, deadline_epoch_ms=int(time.time() * 1000) + timeout_ms)
    return lambda_wasm.host_context(fields, fields)


def test_the_handler_gets_the_event_dict_and_its_result_is_serialised_as_lambda_does():
    seen = {}

    def handler(event, context):
        seen["event"] = event
        return {"statusCode": 200, "body": "é", "n": decimal.Decimal("1.5")}

    event = {"httpMethod": "GET", "requestContext": {"accountId": "123", "identity": {"sourceIp": "1.2.3.4"}}}
    result = lambda_wasm.invoke(handler, json.dumps(event), a_context())
    assert seen["event"] == event
    assert json.loads(result) == {"statusCode": 200, "body": "é", "n": 1.5}


def test_the_context_has_the_python_runtimes_attributes_and_remaining_time():
    context = a_context(timeout_ms=5_000)
    for name in ("aws_request_id", "function_name", "function_version", "invoked_function_arn",
                 "memory_limit_in_mb", "log_group_name", "log_stream_name"):
        assert isinstance(getattr(context, name), str), name
    assert 0 < context.get_remaining_time_in_millis() <= 5_000
    context.deadline_ms = int(time.time() * 1000) - 10
    assert context.get_remaining_time_in_millis() == 0
    context.remaining_ms = lambda: 42
    assert context.get_remaining_time_in_millis() == 42


def test_an_exception_becomes_the_error_type_message_and_stack_trace():
    def handler(event, context):
        return event["missing"]

    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.invoke(handler, "{}", a_context())
    error = raised.value
    assert (error.error_type, error.error_message) == ("KeyError", "'missing'")
    assert any('return event["missing"]' in frame for frame in error.stack_trace)


def test_an_unserialisable_result_is_a_marshal_error_and_bad_event_an_unmarshal_error():
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.invoke(lambda event, context: object(), "{}", a_context())
    assert raised.value.error_type == "Runtime.MarshalError"
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.invoke(lambda event, context: None, "{not json", a_context())
    assert raised.value.error_type == "Runtime.UnmarshalError"


def test_logging_lines_carry_the_level_and_the_request_id(capsys):
    lambda_wasm.configure_logging()
    context = a_context()

    def handler(event, context):
        logging.getLogger().warning("careful")
        print("printed")
        return None

    assert lambda_wasm.invoke(handler, "{}", context) == "null"
    out = capsys.readouterr().out
    assert "printed" in out
    assert "[WARNING]" in out and context.aws_request_id in out and "careful" in out


def test_a_handler_is_named_module_dot_function():
    assert lambda_wasm.load_handler("json.dumps") is json.dumps
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.load_handler("lambda_handler")
    assert raised.value.error_type == "Runtime.MalformedHandlerName"


def test_a_failed_init_is_reported_as_lambdas_python_runtime_reports_it(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "needs_table.py").write_text("import os\nTABLE = os.environ['SURELY_UNSET_TABLE']\n", encoding="utf-8")
    (tmp_path / "broken_syntax.py").write_text("def handler(event, context)\n    return 1\n", encoding="utf-8")
    (tmp_path / "no_handler.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "imports_missing.py").write_text("import surely_not_a_module\n", encoding="utf-8")
    cases = {
        "needs_table.handler": ("KeyError", "'SURELY_UNSET_TABLE'"),
        "broken_syntax.handler": ("Runtime.UserCodeSyntaxError", "Syntax error in module 'broken_syntax'"),
        "no_handler.handler": ("Runtime.HandlerNotFound", "Handler 'handler' missing on module 'no_handler'"),
        "imports_missing.handler": ("Runtime.ImportModuleError", "Unable to import module 'imports_missing': No module named 'surely_not_a_module'"),
    }
    for spec, (error_type, message) in cases.items():
        with pytest.raises(lambda_wasm.HandlerError) as raised:
            lambda_wasm.load_handler(spec)
        assert raised.value.error_type == error_type, spec
        assert raised.value.error_message.startswith(message), (spec, raised.value.error_message)
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.load_handler("needs_table.handler")
    # The trace starts in the module, not in the adapter or the import machinery.
    assert raised.value.stack_trace and all("lambda_wasm" not in frame and "importlib" not in frame for frame in raised.value.stack_trace)
    assert "needs_table.py" in raised.value.stack_trace[0]


def test_the_context_of_the_python_runtime_is_made_of_the_hosts_records():
    context = a_context()
    assert (context.aws_request_id, context.function_name, context.function_version) == ("test-request", "adapter-test", "7")
    assert context.invoked_function_arn == CONTEXT_FIELDS["invoked_function_arn"]
    assert context.memory_limit_in_mb == "256"
    assert (context.log_group_name, context.log_stream_name) == ("/aws/lambda/adapter-test", "2024/05/01/[7]abc")


def test_the_command_line_runs_the_handler_with_the_context_of_its_context_file(tmp_path, capsys):
    (tmp_path / "context_echo.py").write_text(
        "def handler(event, context):\n"
        "    return {name: getattr(context, name) for name in event}\n",
        encoding="utf-8",
    )
    names = ["aws_request_id", "function_name", "memory_limit_in_mb", "log_stream_name", "deadline_ms"]
    (tmp_path / "event.json").write_text(json.dumps(names), encoding="utf-8")
    (tmp_path / "context.json").write_text(json.dumps({**CONTEXT_FIELDS, "deadline_epoch_ms": 1_700_000_000_000}), encoding="utf-8")
    status = main(str(tmp_path), "context_echo.handler", str(tmp_path / "event.json"), str(tmp_path / "context.json"))
    assert status == 0
    assert json.loads(capsys.readouterr().out) == {
        "aws_request_id": "test-request",
        "function_name": "adapter-test",
        "memory_limit_in_mb": "256",
        "log_stream_name": "2024/05/01/[7]abc",
        "deadline_ms": 1_700_000_000_000,
    }


def test_the_trace_is_in_the_environment_for_its_invocation_only_and_the_tenant_in_the_context():
    fields = SimpleNamespace(**CONTEXT_FIELDS, deadline_epoch_ms=int(time.time() * 1000) + 30_000)
    trace = "Root=1-5e1b4151-5ac6c58f3eb0d5e4c9e5f6d1;Parent=7ad9f3b3c6d1e2f4;Sampled=1"

    def handler(event, context):
        return {"trace": os.environ.get("_X_AMZN_TRACE_ID"), "tenant": context.tenant_id}

    traced = lambda_wasm.host_context(fields, fields, trace_id=trace, tenant_id="tenant-42")
    assert json.loads(lambda_wasm.invoke(handler, "{}", traced)) == {"trace": trace, "tenant": "tenant-42"}
    untraced = lambda_wasm.host_context(fields, fields)
    assert json.loads(lambda_wasm.invoke(handler, "{}", untraced)) == {"trace": None, "tenant": None}
