"""`mlops-gate build`: ONNX export, quantized variants, the serving image context (docs/build.md)."""
