"""What a run of the job did, in the terms a user fixes things by: which step failed and why,
how much did not run because of it, and every check's result with its own explanation.

Dagster wraps the exception a step raised (`DagsterExecutionStepExecutionError: Error
occurred while executing op ...`) and records it with its stack; a user needs the exception
underneath, one line, and the step named by the asset it builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dagster import AssetCheckKey, AssetsDefinition, DagsterEventType, ExecuteInProcessResult

# Dagster's own wrappers around the exception a step raised: never the cause.
_WRAPPERS = frozenset(
    {
        "DagsterExecutionStepExecutionError",
        "DagsterUserCodeExecutionError",
        "DagsterResourceFunctionError",
        "DagsterExecutionInterruptedError",
    }
)
# A blocking check that failed fails its step too; the check's own line says why.
_CHECK_FAILED = "DagsterAssetCheckFailedError"


@dataclass(frozen=True)
class CheckOutcome:
    """One evaluated check; `explanation` is what the check itself said about its result."""

    asset: str
    check: str
    passed: bool
    severity: str  # "ERROR" or "WARN"
    explanation: str | None = None

    @property
    def is_error(self) -> bool:
        return not self.passed and self.severity != "WARN"


@dataclass(frozen=True)
class StepFailure:
    """A step that raised: the asset (or op) it runs and its root-cause error, one line."""

    step: str
    error: str


@dataclass(frozen=True)
class RunOutcome:
    succeeded: bool
    checks: list[CheckOutcome] = field(default_factory=list)
    failed_steps: list[StepFailure] = field(default_factory=list)
    steps_not_run: int = 0
    checks_not_run: int = 0
    # Labels (as in StepFailure.step) of the steps that succeeded: `serving_database`...
    steps_done: frozenset[str] = frozenset()

    @property
    def exit_code(self) -> int:
        """1 when the run failed or an error-severity check failed; warnings do not fail it."""
        return 0 if self.succeeded and not any(c.is_error for c in self.checks) else 1


class ErrorInfo(Protocol):
    """What is read of the error Dagster records for a failed step (its SerializableErrorInfo)."""

    @property
    def cls_name(self) -> str | None: ...
    @property
    def message(self) -> str: ...
    @property
    def cause(self) -> ErrorInfo | None: ...


def root_cause(error: ErrorInfo) -> str:
    """`Class: first line of the message` of the exception under Dagster's wrappers."""
    while error.cls_name in _WRAPPERS and error.cause is not None:
        error = error.cause
    name = error.cls_name or "Error"
    message = error.message.strip()
    # Dagster records "package.module.Class: message"; the class is named once, unqualified.
    prefix, separator, rest = message.partition(": ")
    if separator and prefix.split(".")[-1] == name:
        message = rest
    first_line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return f"{name}: {first_line}" if first_line else name


def _assets_defs_by_node(result: ExecuteInProcessResult) -> dict[str, AssetsDefinition]:
    """What each top-level node (step) of the run's job builds or checks, by node name."""
    return {
        data.node_handle.name: data.assets_def
        for data in result.job_def.asset_layer.data
        if data.node_handle.parent is None
    }


def _node_label(result: ExecuteInProcessResult, node_name: str) -> str:
    """The asset a step builds (`raw/crm/opportunities`), the check it runs, else the op."""
    assets_def = _assets_defs_by_node(result).get(node_name)
    if assets_def is not None:
        assets, checks = list(assets_def.keys), list(assets_def.check_keys)
        if len(assets) == 1 and not checks:
            return assets[0].to_user_string()
        if not assets and len(checks) == 1:
            return f"{checks[0].asset_key.to_user_string()} :: {checks[0].name}"
    return node_name


def _check_keys(result: ExecuteInProcessResult) -> set[AssetCheckKey]:
    """Every check the run was meant to evaluate (its job may be a subset)."""
    assets_defs = _assets_defs_by_node(result)
    return {
        key
        for node in result.job_def.graph.nodes
        if node.name in assets_defs
        for key in assets_defs[node.name].asset_and_check_keys
        if isinstance(key, AssetCheckKey)
    }


def run_outcome(result: ExecuteInProcessResult) -> RunOutcome:
    """Summarise an in-process run of the job for the `make run` summary."""
    evaluations = result.get_asset_check_evaluations()
    checks = [
        CheckOutcome(
            asset=evaluation.asset_key.to_user_string(),
            check=evaluation.check_name,
            passed=evaluation.passed,
            severity=evaluation.severity.value,
            explanation=evaluation.description,
        )
        for evaluation in evaluations
    ]
    failed_steps = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if error is not None and error.cls_name == _CHECK_FAILED:
            continue
        failed_steps.append(
            StepFailure(
                step=_node_label(result, event.step_key or ""),
                error=root_cause(error) if error else "failed without an error message",
            )
        )
    started = {
        event.step_key
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_START
    }
    evaluated = {evaluation.asset_check_key for evaluation in evaluations}
    return RunOutcome(
        succeeded=result.success,
        checks=checks,
        failed_steps=failed_steps,
        steps_not_run=len(result.job_def.graph.nodes) - len(started),
        checks_not_run=len(_check_keys(result) - evaluated),
        steps_done=frozenset(
            _node_label(result, event.step_key or "") for event in result.get_step_success_events()
        ),
    )
