"""One function at one memory size through its scenario: its artifacts checked as Lambda would
take them, an execution environment started (and started again after a timeout or a crash),
each request sent as API Gateway's event and its answer checked, every failure named.
"""

from dataclasses import dataclass, field
from pathlib import Path

from . import apigateway, cgroups, execution, lambda_env, report, sandbox
from .artifacts import ArtifactError, Artifacts, elf_architecture, locate
from .execution import ExecutionEnvironment, Output, Settings
from .report import Measurement
from .scenarios import ScenarioError, Step
from .template import Function


@dataclass
class Target:
    """A function to run, where its artifacts are, and how."""

    function: Function
    artifacts_dir: Path
    memory_mb: int
    architecture: str
    steps: list[Step]
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """What a run of one target measured, and each of its failures as one line."""

    measurement: Measurement
    failures: list[str]


def run(target: Target, settings: Settings, output: Output, repeat: int = 1, show_body: bool = False) -> Result:
    """Runs `target`'s scenario `repeat` times in as few execution environments as it takes."""
    function = target.function
    label = f"{function.logical_id} at {target.memory_mb} MB"
    measurement = Measurement(function.logical_id, target.memory_mb, None)
    try:
        artifacts, prefix = _prepare(target)
    except (ArtifactError, sandbox.SandboxError, ScenarioError) as error:
        return Result(measurement, [f"{label}: {error}"])
    measurement.zipped_bytes = artifacts.zipped_bytes()
    runner = _Runner(target, artifacts, prefix, settings, output, measurement, label, show_body)
    try:
        runner.run(repeat)
    finally:
        runner.close()
    return Result(measurement, runner.failures)


def _prepare(target: Target) -> tuple[Artifacts, list[str]]:
    function = target.function
    reserved = lambda_env.reserved_names(function)
    if reserved:
        raise ArtifactError(f"sets variables Lambda reserves (Lambda refuses the function): {', '.join(reserved)}")
    routes = {route.event for route in function.routes}
    for step in target.steps:
        if step.authorizer is None and step.event not in routes:
            raise ScenarioError(f"the scenario's {step.name!r} names event {step.event}, not an API event of the function")
    if function.routes and not target.steps:
        raise ScenarioError("no requests for it in the scenario file")
    artifacts = locate(function, target.artifacts_dir)
    built_for = elf_architecture(artifacts.bootstrap)
    if built_for is not None and built_for != target.architecture:
        raise ArtifactError(
            f"{artifacts.bootstrap} is built for {built_for}, the function runs on {target.architecture}: "
            "Lambda cannot start it (Runtime.InvalidEntrypoint)"
        )
    return artifacts, sandbox.emulator(target.architecture)


class _Runner:
    """The execution environments of one target, one after the other, and its failures."""

    def __init__(self, target, artifacts, prefix, settings, output, measurement, label, show_body):
        self.target = target
        self.artifacts = artifacts
        self.prefix = prefix
        self.settings = settings
        self.output = output
        self.measurement = measurement
        self.label = label
        self.failures: list[str] = []
        self.environment: ExecutionEnvironment | None = None
        self.environments = 0
        self.saved: dict[str, str] = {}
        self.show_body = show_body

    def run(self, repeat: int) -> None:
        routes = {route.event: route for route in self.target.function.routes}
        gateway = apigateway.Gateway(self.settings.region, self.settings.account_id)
        if not self.target.steps:
            self._environment()
            return
        for _ in range(repeat):
            for step in self.target.steps:
                if self._environment() is None:
                    return
                self._send(step, routes.get(step.event), gateway)

    def _environment(self) -> ExecutionEnvironment | None:
        """The live environment, or a new one through its Init; None when Init failed."""
        if self.environment is not None:
            return self.environment
        cgroup = None
        if self.settings.confined:
            try:
                cgroup = cgroups.create(self.target.memory_mb)
            except cgroups.Unavailable as error:
                self.output.line(f"lambda-sim: {self.label}: no CPU or memory limits: {error}")
        try:
            environment = ExecutionEnvironment(
                self.target.function,
                self.artifacts,
                self.target.memory_mb,
                self.prefix,
                self.settings,
                self.output,
                self.target.extra_env,
                cgroup,
            )
        except sandbox.SandboxError as error:
            if cgroup is not None:
                cgroup.remove()
            self.failures.append(f"{self.label}: {error}")
            return None
        self.environments += 1
        outcome = environment.init()
        if self.environments == 1:
            self.measurement.init_ms = outcome.init_ms
        if outcome.failure:
            peak = report.memory_mb(environment.peak_bytes())
            environment.close()
            self.measurement.init_failure = outcome.summary
            self.measurement.max_memory_mb = max(self.measurement.max_memory_mb, peak)
            self.failures.append(f"{self.label}: {outcome.failure}")
            return None
        self.environment = environment
        return environment

    def _authorize(self, step: Step) -> None:
        """Sends an authorizer event as API Gateway does, and checks the result as returned."""
        outcome = self.environment.invoke(step.authorizer.read_bytes(), execution.trace_id())
        self._measure(outcome)
        if outcome.failure:
            self.failures.append(f"{self.label}: {step.name}: {outcome.failure}")
            return
        answer = outcome.answer
        error_type = None if answer is None else answer.error_type
        result = "" if answer is None else answer.body.decode("utf-8", "replace")
        self.output.line(f"lambda-sim: {step.name} -> {error_type or 'result'}")
        problem = step.authorizer_check(error_type, result)
        if problem:
            self.failures.append(f"{self.label}: {step.name}: wrong answer: {problem}")

    def _measure(self, outcome) -> None:
        """Notes what an invocation cost, and ends its environment when the invocation did."""
        line = outcome.report
        self.measurement.max_memory_mb = max(self.measurement.max_memory_mb, line.max_memory_mb)
        if outcome.finished:
            self.environment.close()
            self.environment = None
        if not outcome.failure and line.init_ms is None:
            self.measurement.warm_ms = (self.measurement.warm_ms or []) + [line.duration_ms]
            self.measurement.warm_billed_ms = (self.measurement.warm_billed_ms or []) + [line.billed_ms]

    def _send(self, step: Step, route, gateway) -> None:
        if step.authorizer is not None:
            self._authorize(step)
            return
        try:
            request = step.request(self.saved)
        except ScenarioError as error:
            self.failures.append(f"{self.label}: {error}")
            return
        trace = execution.trace_id()
        event = apigateway.event(route, request, gateway, trace.split(";")[0])
        outcome = self.environment.invoke(execution.event_payload(event), trace)
        self._measure(outcome)
        if outcome.failure:
            self.failures.append(f"{self.label}: {step.name}: {outcome.failure}")
            return
        answer = outcome.answer
        if answer is None or answer.error_type is not None:
            response = apigateway.error_response()
            if answer is not None:
                self.output.line(f"lambda-sim: the function failed: {answer.error_type}: {answer.body[:300]!r}")
        elif answer.streamed != route.streams:
            # A streaming route reads the stream's prelude; any other takes the proxy JSON.
            expected = "streamed" if route.streams else "whole"
            self.failures.append(f"{self.label}: {step.name}: the route takes its answer {expected}, the function answered otherwise")
            return
        elif answer.streamed:
            response = apigateway.streamed_response(answer.body, answer.content_type)
        else:
            accept = dict((k.lower(), v) for k, v in request.headers).get("accept")
            response = apigateway.response(route, answer.body, accept)
        problem = step.check(response, self.saved)
        shown = f" {response.text()}" if self.show_body else ""
        self.output.line(f"lambda-sim: {step.name}: {request.method} {request.path} -> {response.status}{shown}")
        if problem:
            self.failures.append(f"{self.label}: {step.name}: wrong answer: {problem}")

    def close(self) -> None:
        if self.environment is not None:
            self.environment.close()
            self.environment = None
