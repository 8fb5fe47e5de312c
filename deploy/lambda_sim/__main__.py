"""lambda-sim: every function of a SAM template, as packaged, started and invoked the way Lambda
starts and invokes it, at its memory size's CPU and memory, with Lambda's Init limit and the
function's Timeout, on API Gateway's events of its routes; Lambda's START, END and REPORT lines
printed per invocation. Exits 1 when a function fails (an Init over the limit, a timeout, an
out-of-memory kill, a wrong answer), naming the function and why.

    PYTHONPATH=deploy .venv/bin/python -m lambda_sim [--template T --artifacts DIR]...
        [--function ID]... [--memory MB]... [--arch x86_64|arm64] [--repeat N] [--table]

`make lambda-sim` runs it on `make package`'s artifacts and the native baseline (docs/sandbox.md).
"""

import argparse
import sys
from pathlib import Path

from . import report, sandbox, scenarios
from .execution import INIT_LIMIT_S, Output, Settings
from .local_dynamodb import LocalDynamoDb
from .run import Target, run
from .template import Stack, TemplateError, load_functions

DEFAULT_SCENARIOS = Path(__file__).resolve().parent / "scenarios.yaml"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Threads hand over sooner than Python's 5 ms default: the Runtime API's clock is finer.
    sys.setswitchinterval(0.0005)
    output = Output()
    templates = args.template or ["template.yaml"]
    artifacts = args.artifacts or ["target/deploy"]
    if len(templates) != len(artifacts):
        output.line("lambda-sim: give each --template its --artifacts (in the same order)")
        return 2
    stack = Stack(region=args.region)
    try:
        steps = scenarios.load(Path(args.scenarios))
        targets = _targets(args, templates, artifacts, stack, steps)
    except (TemplateError, scenarios.ScenarioError, OSError) as error:
        output.line(f"lambda-sim: {error}")
        return 2
    if not targets:
        output.line(f"lambda-sim: no function named {', '.join(args.function)}")
        return 2
    unconfined = sandbox.can_confine()
    settings = Settings(stack.region, stack.account_id, confined=unconfined is None, init_limit_s=args.init_limit)
    if unconfined:
        output.line(
            f"lambda-sim: UNCONFINED ({unconfined}): no mount namespace and no CPU or memory limits; "
            "each runtime runs from its artifact directories as they are"
        )
    if args.init_limit != INIT_LIMIT_S:
        output.line(f"lambda-sim: Init limit {args.init_limit:g} s, not Lambda's {INIT_LIMIT_S:g} s")
    failures, measurements, databases = [], [], []
    try:
        try:
            _databases(targets, stack, output, databases)
        except RuntimeError as error:
            output.line(f"lambda-sim: {error}")
            return 2
        for target, function_template in targets:
            _announce(output, target, settings, function_template)
            result = run(target, settings, output, args.repeat, args.show_body)
            failures += result.failures
            measurements.append(result.measurement)
    finally:
        for database in databases:
            database.stop()
    if args.table:
        output.line(report.table(measurements))
    for failure in failures:
        output.line(f"lambda-sim: FAIL {failure}")
    if not failures:
        output.line(f"lambda-sim: {len(targets)} runs passed")
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lambda-sim", description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", action="append", help="a SAM template (repeatable; default template.yaml)")
    parser.add_argument(
        "--artifacts",
        action="append",
        help="the built artifacts of the --template at the same position: target/deploy (make package) "
        "or .aws-sam/build (sam build); default target/deploy",
    )
    parser.add_argument("--scenarios", default=str(DEFAULT_SCENARIOS), help="the requests to send each function")
    parser.add_argument("--function", action="append", default=[], help="run only this logical id (repeatable)")
    parser.add_argument(
        "--memory", action="append", type=int, default=[], help="MemorySize in MB instead of the template's (repeatable)"
    )
    parser.add_argument("--arch", choices=sorted(sandbox.EMULATORS), help="instead of the function's Architectures")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--repeat", type=int, default=1, help="send each function's scenario N times (warm runs)")
    parser.add_argument(
        "--init-limit",
        type=float,
        default=INIT_LIMIT_S,
        help=f"seconds (default {INIT_LIMIT_S:g}, Lambda's): more to measure an Init that is over Lambda's",
    )
    parser.add_argument("--show-body", action="store_true", help="print each answer's body after its status")
    parser.add_argument("--table", action="store_true", help="print a Markdown table of the measurements at the end")
    parser.add_argument(
        "--parameter", action="append", default=[], type=_parameter, help="NAME=VALUE: a template parameter's value"
    )
    return parser


def _parameter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def _targets(args, templates, artifacts, stack, steps) -> list[tuple[Target, Path]]:
    parameters = dict(args.parameter)
    targets = []
    for template, artifacts_dir in zip(templates, artifacts):
        for function in load_functions(template, stack, parameters):
            if args.function and function.logical_id not in args.function:
                continue
            for memory_mb in args.memory or [function.memory_mb]:
                target = Target(
                    function=function,
                    artifacts_dir=Path(artifacts_dir),
                    memory_mb=memory_mb,
                    architecture=args.arch or function.architecture,
                    steps=steps.get(function.logical_id, []),
                )
                targets.append((target, Path(template)))
    return targets


def _databases(targets, stack: Stack, output: Output, started: list[LocalDynamoDb]) -> None:
    """moto for each template whose functions use its tables (added to `started` as they start,
    for the caller to stop), pointed to in those functions' environment."""
    databases = {}
    for target, template in targets:
        if not target.function.tables:
            continue
        if template not in databases:
            databases[template] = LocalDynamoDb(template, stack.region)
            started.append(databases[template])
            output.line(f"lambda-sim: {template}'s DynamoDB tables on moto at {databases[template].endpoint}")
        target.extra_env["AWS_ENDPOINT_URL_DYNAMODB"] = databases[template].endpoint


def _announce(output: Output, target: Target, settings: Settings, template: Path) -> None:
    function = target.function
    where = "sandboxed" if settings.confined else "unconfined"
    output.line(
        f"lambda-sim: {function.logical_id} ({template}: {function.runtime}, Handler {function.handler}) "
        f"at {target.memory_mb} MB on {target.architecture}, Timeout {function.timeout_s} s, {where}"
    )


if __name__ == "__main__":
    sys.exit(main())
