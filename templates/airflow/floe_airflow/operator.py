"""FloeDbtOperator: the task of one dbt model (or of the dbt seeds).

Its work is steps.run_step. Lineage goes through Airflow's OpenLineage provider: the
provider's listener asks the operator for its datasets when the task ends
(``get_openlineage_facets_on_complete`` / ``_on_failure``) and sends them with the
transport Airflow is configured with ([openlineage] transport, or none: then nothing is
sent). The datasets are the Iceberg tables the task read and wrote, named as the Dagster
runtime names them (namespace ``iceberg://<catalog>``, name ``<namespace>.<table>``). A
backend that is down costs the provider's own timeout and a warning, never the task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from floe_runtime.plan import Plan
from floe_runtime.publish import CREATED_BY

if TYPE_CHECKING:
    from .steps import StepResult

# The task id of the dbt seeds' task: not a valid transform name (transform names are
# Python identifiers), so no model's task can be called so.
SEEDS_TASK = "dbt-seeds"


class FloeDbtOperator(BaseOperator):
    """Run one dbt model of a floe product statelessly and publish it to Iceberg."""

    ui_color = "#dcecf7"

    def __init__(
        self,
        *,
        plan: Plan,
        output_dir: str,
        model: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.output_dir = output_dir
        self.model = model
        self._result: StepResult | None = None

    def execute(self, context: Any) -> dict[str, Any]:
        """Run the step; returns (as XCom) the tables written, with their row counts."""
        from .steps import StepResult, run_step

        self._result = StepResult()
        run = context.get("run_id") or ""
        run_step(
            self.plan,
            Path(self.output_dir),
            self.model,
            step=self.task_id,
            properties={
                "airflow-dag-id": self.dag_id,
                "airflow-run-id": str(run),
                "airflow-task-id": self.task_id,
                "created-by": CREATED_BY,
            },
            log=self.log,
            result=self._result,
        )
        return {
            "inputs": list(self._result.inputs),
            "outputs": {
                p.identifier: {
                    "mode": p.mode,
                    "rows_written": p.rows_written,
                    "table_rows": p.table_rows,
                }
                for p in self._result.outputs
            },
        }

    def _lineage(self) -> Any:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset

        result = self._result
        if result is None:
            return OperatorLineage()
        namespace = f"iceberg://{result.catalog}"
        return OperatorLineage(
            inputs=[Dataset(namespace=namespace, name=i) for i in result.inputs],
            outputs=[
                Dataset(namespace=namespace, name=p.identifier) for p in result.outputs
            ],
        )

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The Iceberg tables the task read and wrote, for the OpenLineage provider."""
        return self._lineage()

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """What a failed task read and (before dbt failed) wrote."""
        return self._lineage()
