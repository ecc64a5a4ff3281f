"""The eval and reference data of a check as MLflow datasets on its run (issue 17, item 4).

MLflow shows a run's datasets in the UI (name, digest, schema, rows) and in `run.inputs`; the
context tag (`mlflow.data.context`: `eval`, `reference`) says what each was for, as
`mlflow.log_input(dataset, context=...)` writes it. The dataset is built with
`mlflow.data.from_pandas` from the first rows (the schema) and then given the whole file's row
count and our digest: the first 32 hex digits of the file's sha256, the hash the evidence binds
(MLflow keeps a digest of at most 36 characters). Nothing from the data but its column names and
types is sent: the rows stay where they are.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.fsutil import sha256_file_memo

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.entities import DatasetInput

CONTEXT_TAG = "mlflow.data.context"
DIGEST_CHARS = 32
SCHEMA_ROWS = 100


@dataclass(frozen=True)
class DataFile:
    """One data file of the policy: what it was for (`eval`/`reference`), where, its label column."""

    context: str
    path: Path
    target: str | None = None

    @property
    def digest(self) -> str:
        return sha256_file_memo(self.path)[:DIGEST_CHARS]


def dataset_inputs(files: Iterable[DataFile], policy_name: str) -> list[DatasetInput]:
    """The `DatasetInput`s for `MlflowClient.log_inputs`, one per readable file."""
    from mlflow.entities import DatasetInput, InputTag

    return [
        DatasetInput(dataset=_dataset(f, policy_name), tags=[InputTag(CONTEXT_TAG, f.context)])
        for f in files
        if f.path.is_file()
    ]


def _dataset(data: DataFile, policy_name: str) -> Any:
    from mlflow.data.pandas_dataset import from_pandas
    from mlflow.entities import Dataset

    head, rows = sample(data.path)
    target = data.target if data.target in head.columns else None
    with warnings.catch_warnings():
        # MLflow registers its local-file source twice and warns that a path "can be
        # interpreted in multiple ways" (both are the same class): its notice to itself.
        warnings.simplefilter("ignore")
        made = from_pandas(
            head,
            source=str(data.path.resolve()),
            targets=target,
            name=f"{policy_name}/{data.context}",
            digest=data.digest,
        )._to_mlflow_entity()
    profile = {"num_rows": rows, "num_elements": rows * len(head.columns)}
    return Dataset(
        name=made.name,
        digest=made.digest,
        source_type=made.source_type,
        source=made.source,
        schema=made.schema,
        profile=json.dumps(profile),
    )


def sample(path: Path, rows: int = SCHEMA_ROWS) -> tuple[pd.DataFrame, int]:
    """(the first `rows` rows, the file's row count): a Parquet file reads one batch and its
    footer, never the whole file; a CSV or JSONL file is read whole (the project's readers)."""
    if path.suffix.lower() == ".parquet":
        from pyarrow import parquet

        with parquet.ParquetFile(path) as handle:
            count = handle.metadata.num_rows
            batch = next(handle.iter_batches(batch_size=rows), None)
            if batch is not None:
                return batch.to_pandas(), count
    if path.suffix.lower() == ".jsonl":
        return _jsonl_sample(path, rows)
    from mlops_gate.loaders.data import read_table

    frame = read_table(path)
    return frame.head(rows), len(frame)


def _jsonl_sample(path: Path, rows: int) -> tuple[pd.DataFrame, int]:
    """A generation policy's JSONL eval set (issue 18): a nested value (a `context` given as a
    list of passages) becomes its JSON text, and a column of mixed types text, so that MLflow
    infers a schema (it infers none for a column of lists and strings)."""
    import pandas as pd

    from mlops_gate.loaders.text_files import read_jsonl

    found = read_jsonl(path, "data file")
    flat = [
        {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()}
        for row in found[:rows]
    ]
    frame = pd.DataFrame(flat)
    for column in frame.columns:
        if len({type(v) for v in frame[column].dropna()}) > 1:
            frame[column] = frame[column].map(lambda v: v if v is None else str(v))
    return frame, len(found)
