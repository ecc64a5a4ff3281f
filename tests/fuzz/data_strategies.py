"""Hostile tables and model files a pull request could commit (issue 13 item 7)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.fuzz.strategies import KNOWN_COLUMNS, hostile_scalar, hostile_text

# -- tables ---------------------------------------------------------------------------------------
column_name = st.one_of(st.sampled_from(KNOWN_COLUMNS), hostile_text)


def _column(rows: int) -> st.SearchStrategy[list[Any]]:
    floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
    return st.one_of(
        st.lists(floats, min_size=rows, max_size=rows),
        st.lists(st.integers(-(2**63), 2**63 - 1), min_size=rows, max_size=rows),
        st.lists(st.sampled_from([0, 1]), min_size=rows, max_size=rows),
        st.lists(st.booleans(), min_size=rows, max_size=rows),
        st.lists(st.one_of(st.none(), floats), min_size=rows, max_size=rows),
        st.lists(hostile_text, min_size=rows, max_size=rows),
        st.lists(hostile_scalar, min_size=rows, max_size=rows),  # mixed types
    )


@st.composite
def hostile_table(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """Column names (duplicates, control characters, the model's own) and values, 0-40 rows."""
    rows = draw(st.sampled_from([0, 1, 2, 3, 12, 31, 40]))  # min_rows defaults to 30
    names = draw(st.lists(column_name, max_size=8))
    if draw(st.booleans()):  # most examples keep the model's columns, to reach the gates
        names = [*KNOWN_COLUMNS, *names]
    return names, [draw(_column(rows)) for _ in names]


# -- model files ----------------------------------------------------------------------------------
@st.composite
def hostile_model(draw: st.DrawFn, valid: bytes) -> bytes:
    """A real ONNX file truncated, with bytes overwritten, or replaced by something else."""
    kind = draw(st.sampled_from(["truncate", "overwrite", "garbage", "other"]))
    if kind == "truncate":
        return valid[: draw(st.integers(0, len(valid) - 1))]
    if kind == "overwrite":
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "garbage":
        return draw(st.binary(max_size=2048))
    return draw(
        st.sampled_from(
            [
                b"",
                b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00.",  # a pickle
                b"PK\x03\x04" + b"\x00" * 26,  # a zip (TorchScript, .keras)
                b"<html><body>Not Found</body></html>",
                b"version https://git-lfs.github.com/spec/v1\noid sha256:"
                + b"0" * 64
                + b"\nsize 1\n",
                valid * 2,
            ]
        )
    )
