"""Pure, vectorised numpy math behind the gates: no I/O, no pandas, no model libraries.

Each function is property-tested against an independent implementation (scikit-learn, fairlearn or
a straightforward loop) in tests/unit/metrics/.
"""
