"""The functions of a SAM template as Lambda would configure them: memory, timeout, handler,
architecture, layers, logging, environment variables and routes (API events, a Function URL), read
with the SAM CLI's own
template processing (its translator applies Globals; its intrinsic resolver resolves `Ref`,
`!Sub`, `!If` with the template's Conditions, `!GetAtt` and the pseudo parameters).

The SAM CLI's resolver cannot take `!Ref AWS::NoValue` (an `!If` with it in a branch fails and is
left unresolved), so it stands in as a marker string that is resolved like any other and then
removes its property, as CloudFormation removes it.
"""

from dataclasses import dataclass, field

from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.yamlhelper import yaml_parse

# What `!Ref AWS::NoValue` becomes until the resolver is done with it.
NO_VALUE = "lambda-sim:AWS::NoValue"
# Lambda's defaults for what a function does not set.
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_S = 3
DEFAULT_ARCHITECTURE = "x86_64"
# The stage each kind of API has when the template names none: SAM's implicit REST API deploys
# `Prod`; an HTTP API has its `$default` stage.
DEFAULT_STAGE = {"Api": "Prod", "HttpApi": "$default"}
API_ID_PROPERTY = {"Api": "RestApiId", "HttpApi": "ApiId"}
# The event name (and route kind) scenarios use for a function's URL.
FUNCTION_URL_EVENT = "FunctionUrl"


@dataclass(frozen=True)
class Route:
    """One `Api` (REST API, payload 1.0) or `HttpApi` (payload 2.0) event of a function, or its
    Function URL (payload 2.0, every path)."""

    event: str
    kind: str
    path: str
    method: str
    api_id: str
    stage: str
    binary_media_types: tuple[str, ...] = ()
    # Whether the function's answer streams to the client: a REST integration's
    # `ResponseTransferMode: RESPONSE_STREAM`, a Function URL's `InvokeMode: RESPONSE_STREAM`.
    streams: bool = False


@dataclass
class Function:
    """An `AWS::Serverless::Function` as Lambda would run it."""

    logical_id: str
    name: str
    memory_mb: int
    timeout_s: int
    handler: str
    runtime: str
    architecture: str
    layers: list[str]
    log_format: str | None
    log_level: str | None
    log_group: str | None
    variables: dict[str, str]
    routes: list[Route]
    # The DynamoDB tables of the template that the function's properties refer to.
    tables: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Stack:
    """Where the functions run: the pseudo parameters' values."""

    region: str = "us-east-1"
    account_id: str = "123456789012"
    name: str = "lambda-wasm"

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"


class TemplateError(Exception):
    """A template the sandbox cannot run as Lambda would."""


def load_functions(path: str, stack: Stack, parameters: dict[str, str] | None = None) -> list[Function]:
    """Every `AWS::Serverless::Function` of the template at `path`, in template order."""
    with open(path, encoding="utf-8") as file:
        raw = _mark_no_value(yaml_parse(file.read()))
    tables = {
        logical_id: (resource.get("Properties") or {}).get("TableName", logical_id)
        for logical_id, resource in (raw.get("Resources") or {}).items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }
    overrides = {
        "AWS::Region": stack.region,
        "AWS::AccountId": stack.account_id,
        "AWS::StackName": stack.name,
        "AWS::Partition": stack.partition,
        "AWS::URLSuffix": stack.url_suffix,
        **_table_attributes(tables, stack),
        **(parameters or {}),
    }
    stacks, _ = SamLocalStackProvider.get_stacks(template_dictionary=raw, parameter_overrides=overrides)
    resources = stacks[0].resources
    provider = SamFunctionProvider(stacks, use_raw_codeuri=True, ignore_code_extraction_warnings=True)
    functions = []
    for function in provider.get_all():
        if resources.get(function.name, {}).get("Type") != "AWS::Serverless::Function":
            continue
        raw_properties = raw["Resources"][function.name].get("Properties") or {}
        functions.append(_function(function, resources, raw_properties, tables))
    return functions


def _function(function, resources: dict, raw_properties: dict, tables: dict[str, str]) -> Function:
    logging = function.logging_config or {}
    log_format = logging.get("LogFormat")
    variables = _variables(function.name, (function.environment or {}).get("Variables") or {})
    return Function(
        logical_id=function.name,
        name=function.functionname if isinstance(function.functionname, str) else function.name,
        memory_mb=_integer(function.name, "MemorySize", function.memory, DEFAULT_MEMORY_MB),
        timeout_s=_integer(function.name, "Timeout", function.timeout, DEFAULT_TIMEOUT_S),
        handler=function.handler,
        runtime=function.runtime,
        architecture=(function.architectures or [DEFAULT_ARCHITECTURE])[0],
        layers=[layer.name if layer.is_defined_within_template else layer.arn for layer in function.layers],
        log_format=log_format,
        log_level=logging.get("ApplicationLogLevel", "INFO") if log_format == "JSON" else None,
        log_group=logging.get("LogGroup"),
        variables=variables,
        routes=_routes(function.name, function.events or {}, resources) + _function_url(function),
        tables=[name for logical_id, name in tables.items() if _refers_to(raw_properties, logical_id)],
    )


def _variables(function_id: str, variables: dict) -> dict[str, str]:
    resolved = {}
    for name, value in variables.items():
        if value == NO_VALUE:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, (str, int, float)):
            raise TemplateError(f"{function_id}: environment variable {name} did not resolve: {value!r}")
        resolved[name] = str(value)
    return resolved


def _integer(function_id: str, name: str, value, default: int) -> int:
    if value is None or value == NO_VALUE:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{function_id}: {name} did not resolve to a number: {value!r}") from None


def _routes(function_id: str, events: dict, resources: dict) -> list[Route]:
    routes = []
    for name, event in events.items():
        kind = event.get("Type")
        if kind not in API_ID_PROPERTY:
            continue
        properties = event.get("Properties") or {}
        api_id = properties.get(API_ID_PROPERTY[kind])
        api = (resources.get(api_id) or {}).get("Properties") or {}
        if not isinstance(api_id, str) or not isinstance(properties.get("Path"), str):
            raise TemplateError(f"{function_id}: event {name} has no plain Path and API id")
        routes.append(
            Route(
                event=name,
                kind=kind,
                path=properties["Path"],
                method=str(properties.get("Method", "ANY")).upper(),
                api_id=api_id,
                stage=api.get("StageName") or DEFAULT_STAGE[kind],
                binary_media_types=tuple(t.replace("~1", "/") for t in api.get("BinaryMediaTypes") or ()),
                streams=properties.get("ResponseTransferMode") == "RESPONSE_STREAM",
            )
        )
    return routes


def _function_url(function) -> list[Route]:
    """The function's URL as a route of its own, event `FunctionUrl`: every method and path."""
    config = function.function_url_config
    if not config:
        return []
    return [
        Route(
            event=FUNCTION_URL_EVENT,
            kind=FUNCTION_URL_EVENT,
            path="/{proxy+}",
            method="ANY",
            api_id=f"{function.name}.FunctionUrl",
            stage="$default",
            streams=config.get("InvokeMode") == "RESPONSE_STREAM",
        )
    ]


def _mark_no_value(value):
    """`value` with each `!Ref AWS::NoValue` replaced by NO_VALUE."""
    if isinstance(value, dict):
        if value == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        return {key: _mark_no_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark_no_value(item) for item in value]
    return value


def _table_attributes(tables: dict[str, str], stack: Stack) -> dict:
    """What `!Ref` and `!GetAtt` give for each table (the SAM CLI knows only functions' ARNs)."""
    arn = f"arn:{stack.partition}:dynamodb:{stack.region}:{stack.account_id}:table"
    return {
        logical_id: {"Ref": name, "Arn": f"{arn}/{name}", "StreamArn": f"{arn}/{name}/stream/local"}
        for logical_id, name in tables.items()
    }


def _refers_to(value, logical_id: str) -> bool:
    """Whether `value` holds a `Ref`, `!GetAtt` or `${..}` naming `logical_id`."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute[:1] == [logical_id]:
            return True
        if isinstance(attribute, str) and attribute.split(".")[0] == logical_id:
            return True
        return any(_refers_to(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(_refers_to(item, logical_id) for item in value)
    if isinstance(value, str):
        return "${" + logical_id + "}" in value or "${" + logical_id + "." in value
    return False
