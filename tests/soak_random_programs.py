"""Soak test (not collected by pytest): many random programs, optimized or not,
each compiled and checked as in test_random_programs.py; failures are
collected and printed instead of stopping the run (no shrinking).

    TAPELESS_OPTIMIZE=0 python tests/soak_random_programs.py 20000 loops,calls

Prints the number of programs checked, skipped (near a kink, or too steep for
finite differences) and mismatched, and the source of each mismatch.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import UnsatisfiedAssumption  # noqa: E402

from random_programs import Features, programs  # noqa: E402
from test_random_programs import agree  # noqa: E402


def soak(count, features, directory):
    seen, failures = [0, 0], []

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=programs(features))
    def one(case):
        seen[0] += 1
        try:
            agree(*case, directory)
        except UnsatisfiedAssumption:
            seen[1] += 1
            raise
        except Exception as exc:  # noqa: BLE001 -- every failure is reported
            failures.append((case[0].source(), case[1], f"{type(exc).__name__}: {exc}"))

    one()
    return seen[0], seen[1], failures


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    on = {name: True for name in (sys.argv[2] if len(sys.argv) > 2 else "").split(",") if name}
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        checked, skipped, failures = soak(count, Features(**on), Path(tmp))
    mode = "unoptimized" if os.environ.get("TAPELESS_OPTIMIZE") == "0" else "optimized"
    for source, args, error in failures:
        print(f"---- mismatch\n{source}args = {args!r}\n{error[:2000]}\n")
    print(f"{mode}, features {sorted(on)}: {checked} programs, {skipped} skipped, "
          f"{len(failures)} mismatches, {time.time() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
