"""mlops-gate: declarative quality gates for ML models.

Importing this package is cheap on purpose: no numpy, pandas, ONNX Runtime or Great Expectations
until a command needs them (see tests/unit/test_startup.py).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
