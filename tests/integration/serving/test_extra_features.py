"""A column the model does not read: 422 by default, accepted with EXTRA_FEATURES=ignore (what the
canary router needs when the stable and canary models read different subsets of one record)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import HTTPException

from mlops_gate.serving.app import ServedModel, validate_rows
from tests.support import FEATURES, binary_frame, train_onnx

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("ignore_extra", [False, True])
def test_extra_columns(tmp_path: Path, ignore_extra: bool) -> None:
    train_onnx(binary_frame(300), tmp_path / "model.onnx")
    model = ServedModel(tmp_path / "model.onnx", features=FEATURES)
    rows: list[dict[str, bool | float | str]] = [dict.fromkeys(FEATURES, 0.5) | {"zip": 12345.0}]
    if not ignore_extra:
        with pytest.raises(HTTPException) as refused:
            validate_rows(model, rows, 10)
        assert refused.value.status_code == 422
        assert refused.value.detail[0]["loc"] == ["body", "rows", 0, "zip"]
        return
    validate_rows(model, rows, 10, ignore_extra=True)
    assert model.predict(rows)["labels"] in ([0], [1])
