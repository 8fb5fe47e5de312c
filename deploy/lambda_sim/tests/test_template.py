"""template.yaml's functions as Lambda would configure them, read through the SAM CLI: Globals
applied, parameters' defaults and intrinsics resolved, `!Ref AWS::NoValue` removing its variable."""

from conftest import REPO, TEMPLATE

from lambda_sim.template import Route, Stack, load_functions


def functions(path=REPO / "template.yaml", **parameters):
    return {f.logical_id: f for f in load_functions(str(path), Stack(region="eu-west-1"), parameters)}


def test_every_function_of_the_template_with_its_globals():
    found = functions()
    assert list(found) == [
        "HelloWorldFunction",
        "PythonHelloFunction",
        "JsHelloFunction",
        "ClockFunction",
        "UsersAuthorizerFunction",
        "UsersFunction",
    ]
    for function in found.values():
        assert (function.memory_mb, function.timeout_s) == (128, 10)
        assert function.runtime == "provided.al2023"
        assert function.architecture == "x86_64"
        assert function.layers == ["BootstrapLayer"]
        assert (function.log_format, function.log_level) == ("JSON", "INFO")
    assert found["HelloWorldFunction"].handler == "hello_world.cwasm"


def test_environment_variables_are_resolved_and_no_value_removes_them():
    users = functions()["UsersFunction"]
    assert users.variables == {
        "LAMBDA_WASM_GUEST_ENV": "USERS_TABLE",
        "USERS_TABLE": "UsersTable",
        "LAMBDA_WASM_OUTBOUND_HOSTS": "https://dynamodb.eu-west-1.amazonaws.com",
        "LAMBDA_WASM_AWS_SERVICES": "dynamodb",
    }
    assert users.tables == ["UsersTable"]
    # The Globals' `!If [Has.., .., !Ref AWS::NoValue]`: unset, not empty.
    assert functions()["HelloWorldFunction"].variables == {}
    assert functions()["HelloWorldFunction"].tables == []
    given = functions(GuestEnvironment="A,B", GuestMemoryMb="64")
    assert given["HelloWorldFunction"].variables == {"LAMBDA_WASM_GUEST_ENV": "A,B", "LAMBDA_WASM_MEMORY_MB": "64"}
    assert given["UsersFunction"].variables["LAMBDA_WASM_GUEST_ENV"] == "USERS_TABLE,A,B"


def test_parameters_set_memory_timeout_and_log_format():
    found = functions(FunctionMemorySize="1769", FunctionTimeout="29", LogFormat="Text")
    hello = found["HelloWorldFunction"]
    assert (hello.memory_mb, hello.timeout_s) == (1769, 29)
    assert (hello.log_format, hello.log_level) == ("Text", None)


def test_api_routes_with_their_api_stage_and_binary_media_types():
    found = functions()
    assert found["HelloWorldFunction"].routes == [
        Route("RestApi", "Api", "/helloworld", "ANY", "ServerlessRestApi", "Prod", ("*/*",)),
        Route("HttpApi", "HttpApi", "/helloworld", "ANY", "ServerlessHttpApi", "$default", ()),
    ]
    assert [(r.event, r.method, r.path, r.stage) for r in found["UsersFunction"].routes] == [
        ("GetUsers", "GET", "/users", "prod"),
        ("CreateUser", "POST", "/users", "prod"),
        ("GetUser", "GET", "/users/{userId}", "prod"),
    ]


def test_a_function_url_and_a_streaming_integration_are_routes_that_stream():
    clock = functions()["ClockFunction"]
    assert [(r.event, r.kind, r.method, r.path, r.streams) for r in clock.routes] == [
        ("RestApi", "Api", "GET", "/clock", True),
        ("FunctionUrl", "FunctionUrl", "ANY", "/{proxy+}", True),
    ]
    assert not any(route.streams for route in functions()["HelloWorldFunction"].routes)


def test_sub_getatt_and_conditions_of_the_fixture_template():
    probe = functions(TEMPLATE, Switch="on")["EnvironmentProbeFunction"]
    assert probe.variables == {
        "GREETING": "hello from eu-west-1 in lambda-wasm of 123456789012",
        "SWITCHED": "yes",
        "TABLE": "probes",
        "TABLE_ARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/probes",
        "LANG": "C.UTF-8",
    }
    assert probe.tables == ["probes"]
    assert (probe.timeout_s, probe.memory_mb) == (10, 1769)
    assert "SWITCHED" not in functions(TEMPLATE)["EnvironmentProbeFunction"].variables
    assert functions(TEMPLATE)["ProbeFunction"].tables == []
