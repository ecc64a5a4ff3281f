"""The `local` canary target: real model servers and a weighted router on 127.0.0.1.

`canary.run_local_canary` is the entry point; `state` lets another process read the progress of a
running canary and ask it to abort or promote now. Nothing here is imported at CLI start-up.
"""
