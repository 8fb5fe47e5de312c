"""The environment Lambda gives an OS-only runtime (AWS's "Defined runtime environment
variables"): the reserved variables, which a function may not set, over the function's own
variables, over the unreserved defaults (PATH, LD_LIBRARY_PATH, LANG), which it may.

AWS_EXECUTION_ENV is not set: Lambda leaves it out for OS-only runtimes. The role's credentials
are made up, in the shape Lambda's temporary credentials have.
"""

import secrets
import string
import time

from .template import Function

TASK_ROOT = "/var/task"
RUNTIME_DIR = "/var/runtime"
# The values of Amazon Linux 2023's OS-only runtime (`provided.al2023`).
UNRESERVED_DEFAULTS = {
    "LANG": "en_US.UTF-8",
    "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
}
# The variables Lambda reserves: a function that sets one is refused at deployment.
RESERVED = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
    }
)


def reserved_names(function: Function) -> list[str]:
    """The reserved variables the function sets itself (Lambda refuses such a function)."""
    return sorted(name for name in function.variables if name in RESERVED)


def environment(
    function: Function,
    memory_mb: int,
    region: str,
    runtime_api: str,
    task_root: str = TASK_ROOT,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The process environment of one execution environment of `function`."""
    env = dict(UNRESERVED_DEFAULTS)
    env.update(function.variables)
    env.update(extra or {})
    log_group = function.log_group or f"/aws/lambda/{function.name}"
    env.update(
        {
            "_HANDLER": function.handler,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(),
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
            "TZ": ":UTC",
            **role_credentials(),
        }
    )
    if function.log_format:
        env["AWS_LAMBDA_LOG_FORMAT"] = function.log_format
    if function.log_level:
        env["AWS_LAMBDA_LOG_LEVEL"] = function.log_level
    return env


def log_stream_name() -> str:
    """`2024/05/20/[$LATEST]` and 32 hex digits, one per execution environment."""
    return time.strftime("%Y/%m/%d/", time.gmtime()) + "[$LATEST]" + secrets.token_hex(16)


def role_credentials() -> dict[str, str]:
    """Made-up temporary credentials: an `ASIA` key id, a 40-character secret and a token."""
    upper = string.ascii_uppercase + string.digits
    return {
        "AWS_ACCESS_KEY_ID": "ASIA" + "".join(secrets.choice(upper) for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30)[:40],
        "AWS_SESSION_TOKEN": secrets.token_urlsafe(300),
    }
