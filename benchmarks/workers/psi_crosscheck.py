"""Agreement check of the PSI benchmark (project venv): Evidently's bins, mlops-gate's formula.

    psi_crosscheck.py DIR

The two tools bin numeric columns differently (reference quantiles vs equal-width "sturges" bins
over both sets), so their numbers differ by design. This rebuilds Evidently's bins and zero
replacement in numpy and feeds the shares to mlops-gate's own `psi_from_shares`: where that
reproduces Evidently's value, the formulas agree and only the binning differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from _worker import emit

from mlops_gate.metrics.psi import psi_from_shares


def evidently_shares(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """evidently.legacy...stattests.utils.get_binned_data for a numeric column (> 20 values)."""
    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    shares = []
    for values in (reference, current):
        share = np.histogram(values, edges)[0] / values.size
        smallest = share[share != 0].min()
        np.place(share, share == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
        shares.append(share)
    return shares[0], shares[1]


def main(directory: Path) -> dict[str, Any]:
    """Each numeric column's PSI on Evidently's bins, by mlops-gate's formula."""
    columns = [f"x{i:02d}" for i in range(20)]
    reference = pq.read_table(directory / "psi_reference.parquet", columns=columns)
    current = pq.read_table(directory / "psi_current.parquet", columns=columns)
    psi, bins = {}, {}
    for name in columns:
        ref_share, cur_share = evidently_shares(
            reference[name].to_numpy(), current[name].to_numpy()
        )
        # Every share is > 0 after the replacement: a tiny epsilon leaves them as they are.
        psi[name] = psi_from_shares(ref_share, cur_share, epsilon=1e-300)
        bins[name] = int(ref_share.size)
    return {"psi": psi, "bins": bins}


if __name__ == "__main__":
    emit(main(Path(sys.argv[1])))
