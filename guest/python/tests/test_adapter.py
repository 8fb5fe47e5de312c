"""The adapter under CPython: the event and context a handler gets, and what becomes of its
result or exception."""

import decimal
import json
import logging
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lambda_wasm  # noqa: E402
from lambda_wasm.__main__ import local_context  # noqa: E402


def test_the_handler_gets_the_event_dict_and_its_result_is_serialised_as_lambda_does():
    seen = {}

    def handler(event, context):
        seen["event"] = event
        return {"statusCode": 200, "body": "é", "n": decimal.Decimal("1.5")}

    event = {"httpMethod": "GET", "requestContext": {"accountId": "123", "identity": {"sourceIp": "1.2.3.4"}}}
    result = lambda_wasm.invoke(handler, json.dumps(event), local_context())
    assert seen["event"] == event
    assert json.loads(result) == {"statusCode": 200, "body": "é", "n": 1.5}


def test_the_context_has_the_python_runtimes_attributes_and_remaining_time():
    context = local_context(timeout_ms=5_000)
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
        lambda_wasm.invoke(handler, "{}", local_context())
    error = raised.value
    assert (error.error_type, error.error_message) == ("KeyError", "'missing'")
    assert any('return event["missing"]' in frame for frame in error.stack_trace)


def test_an_unserialisable_result_is_a_marshal_error_and_bad_event_an_unmarshal_error():
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.invoke(lambda event, context: object(), "{}", local_context())
    assert raised.value.error_type == "Runtime.MarshalError"
    with pytest.raises(lambda_wasm.HandlerError) as raised:
        lambda_wasm.invoke(lambda event, context: None, "{not json", local_context())
    assert raised.value.error_type == "Runtime.UnmarshalError"


def test_logging_lines_carry_the_level_and_the_request_id(capsys):
    lambda_wasm.configure_logging()
    context = local_context()

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
    with pytest.raises(ValueError):
        lambda_wasm.load_handler("lambda_handler")
