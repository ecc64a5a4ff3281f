"""A prototype of the fix proposed for the PSI miss (project venv); not run by run.sh.

    psi_prototype.py DIR

Same data, same loading (the evaluation context) and the package's own `numeric_psi` for the
numeric columns; categorical columns are counted from integer codes (`pandas.factorize`, hashing,
O(n)) instead of `numpy.unique` over Python str objects (a sort of 2,000,000 objects per column).
Prints the time, the peak RSS and every column's PSI, to compare with the drift gate's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _worker import emit, timed
from psi_mlops import write_policy

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.gates.registry import load_policy
from mlops_gate.metrics.psi import numeric_psi, psi_from_shares

EPSILON = 1e-6


def categorical_psi_from_codes(reference: pd.Series, current: pd.Series) -> float:
    """One bin per category seen in either set (missing values a bin of their own), by codes."""
    both = pd.concat([reference, current], ignore_index=True)
    codes, categories = pd.factorize(both, sort=True)  # missing -> -1
    missing = codes < 0
    width = len(categories) + int(missing.any())
    codes = np.where(missing, len(categories), codes)
    ref = np.bincount(codes[: len(reference)], minlength=width) / len(reference)
    cur = np.bincount(codes[len(reference) :], minlength=width) / len(current)
    return float(psi_from_shares(ref, cur, EPSILON))


def column_psi(reference: pd.Series, current: pd.Series) -> float:
    """The package's numeric_psi for floats, codes for everything else."""
    if reference.dtype.kind == "f":
        ref = reference.to_numpy(dtype=np.float64, na_value=np.nan)
        cur = current.to_numpy(dtype=np.float64, na_value=np.nan)
        return float(numeric_psi(ref, cur).psi)
    return categorical_psi_from_codes(reference, current)


def main(directory: Path) -> dict[str, Any]:
    """Load through the context, then PSI of every column, timed."""
    context = EvaluationContext(load_policy(write_policy(directory, "all")))
    reference, current = context.dataset("reference"), context.dataset("eval")
    psi, seconds = timed(lambda: {c: column_psi(reference[c], current[c]) for c in reference})
    return {"times_s": [seconds], "psi": psi}


if __name__ == "__main__":
    emit(main(Path(sys.argv[1])))
