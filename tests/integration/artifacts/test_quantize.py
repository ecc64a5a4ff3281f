"""Quantized variants: the duplicate-opset fix, size, and the metric delta reported per variant."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from mlops_gate.api import build
from mlops_gate.artifacts.opset import normalise_opset_imports
from mlops_gate.gates import equivalence
from mlops_gate.loaders.onnx_runtime import open_session
from mlops_gate.results import Verdict
from tests.integration.artifacts.helpers import NUMERIC, mixed_frame, project, repoint
from tests.support import load_context

pytestmark = pytest.mark.integration


def test_quantize_dynamic_fails_on_skl2onnx_duplicate_opsets_until_normalised(
    tmp_path: Path,
) -> None:
    from onnxruntime.quantization import quantize_dynamic
    from skl2onnx import to_onnx

    frame = mixed_frame(300)
    x = frame[NUMERIC].to_numpy(dtype=np.float32)
    estimator = LogisticRegression().fit(x, frame["label"])
    model = to_onnx(estimator, x[:1], options={id(estimator): {"zipmap": False}}, target_opset=17)
    assert [o.domain for o in model.opset_import].count("") == 2  # what skl2onnx 1.20 writes
    raw = tmp_path / "raw.onnx"
    raw.write_bytes(model.SerializeToString())
    logging.disable(logging.WARNING)  # the quantizer's "consider pre-processing" advice
    try:
        with pytest.raises(Exception, match=r"ai\.onnx domain"):
            quantize_dynamic(str(raw), str(tmp_path / "raw.int8.onnx"))
        assert normalise_opset_imports(model) == 1
        fixed = tmp_path / "fixed.onnx"
        fixed.write_bytes(model.SerializeToString())
        quantize_dynamic(str(fixed), str(tmp_path / "fixed.int8.onnx"))
    finally:
        logging.disable(logging.NOTSET)
    open_session(tmp_path / "fixed.int8.onnx")


@pytest.mark.slow
def test_variants_are_built_gated_and_reported_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")
    mlp = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=200, random_state=0)
    quantize = [
        {"method": "dynamic"},
        {"method": "static", "calibration_rows": 128},
        {"method": "fp16"},
    ]
    policy = project(tmp_path, mlp, NUMERIC, artifacts={"quantize": quantize})
    handlers = list(logging.root.handlers)
    result = build(policy, tmp_path / "dist")
    # ORT's quantizer calls logging.warning(), which would install a root stderr handler that
    # prints every library's INFO records afterwards (GX's, during `run`): it must not.
    assert logging.root.handlers == handlers

    manifest = json.loads((tmp_path / "dist" / "build.json").read_text(encoding="utf-8"))
    by_name = {a["variant"]: a for a in manifest["artifacts"]}
    assert set(by_name) == {"float", "int8", "int8-static", "fp16"}
    for name in ("int8", "int8-static", "fp16"):
        assert by_name[name]["bytes"] < by_name["float"]["bytes"], name
        report = by_name[name]["vs_float"]
        assert report["finite"]
        assert report["metric"] == "accuracy"
        assert abs(report["metric_delta"]) < 0.05
        assert report["agreement"] > 0.9
        assert (tmp_path / "dist" / f"model.{name}.onnx").is_file()
    assert any("int8" in line and "accuracy" in line for line in result.lines)

    # Each variant is an artifact the gates evaluate; here against the float model it came from.
    variant_policy = repoint(policy, "dist/model.int8.onnx")
    config = equivalence.Config(
        type="equivalence",
        source=equivalence.SourceRef(path="dist/model.onnx"),
        min_agreement=0.95,
        max_proba_diff=0.2,
    )
    outcome = equivalence.evaluate(config, load_context(variant_policy))
    assert outcome.verdict == Verdict.PASS, outcome.message
    strict = config.model_copy(update={"max_proba_diff": 1e-7})
    assert equivalence.evaluate(strict, load_context(variant_policy)).verdict == Verdict.FAIL


def test_fp16_of_an_ml_op_pipeline_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_gate.errors import InputError
    from tests.integration.artifacts.helpers import MIXED
    from tests.integration.artifacts.test_roundtrip import _pipeline

    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        policy = project(tmp_path, _pipeline(), MIXED, artifacts={"quantize": {"method": "fp16"}})
    with pytest.raises(InputError, match="fp16 variant does not load"):
        build(policy, tmp_path / "dist")
    assert not (tmp_path / "dist").exists()  # nothing written half
