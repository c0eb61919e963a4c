"""Run the fuzz properties of tests/test_fuzz.py with many more examples than the test suite does.

    python benchmarks/fuzz_long.py                    # 20× the examples, the fixed (derandomized) ones
    python benchmarks/fuzz_long.py --scale 100        # more
    python benchmarks/fuzz_long.py --random           # fresh examples; the seed is printed, so a failure can be replayed
    python benchmarks/fuzz_long.py --random --seed 7  # replay one
    python benchmarks/fuzz_long.py --no-pages         # leave out the AppTest page property (about 1 s a run)
    python benchmarks/fuzz_long.py -- -k simulate     # anything after -- goes to pytest

The same tests as in the suite, run by pytest: test_fuzz.py reads FUZZ_SCALE (multiplies every max_examples) and
FUZZ_RANDOM (1: hypothesis draws new examples, from --hypothesis-seed, instead of the derandomized ones). A test
marked xfail(strict=True) pins a bug the properties found and not yet fixed: it is reported as xfailed until then.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=20.0, help="multiplies every test's max_examples (default 20)")
    parser.add_argument("--random", action="store_true", help="fresh examples instead of the derandomized ones")
    parser.add_argument("--seed", type=int, help="with --random: the hypothesis seed (default: a random one, printed)")
    parser.add_argument("--no-pages", action="store_true", help="skip test_every_page_survives_a_junk_link")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()

    env = {**os.environ, "FUZZ_SCALE": str(args.scale), "FUZZ_RANDOM": "1" if args.random else "0"}
    cmd = [sys.executable, "-m", "pytest", "tests/test_fuzz.py", "-p", "no:xdist", "-q", "--durations=10",
           "--hypothesis-show-statistics"]
    if args.random:
        seed = args.seed if args.seed is not None else random.randrange(2**32)
        cmd.append(f"--hypothesis-seed={seed}")
        print(f"hypothesis seed {seed}: replay with --random --seed {seed}", flush=True)
    if args.no_pages:
        cmd += ["-k", "not every_page"]
    cmd += args.pytest_args
    print(" ".join(cmd[1:]), f"(FUZZ_SCALE={env['FUZZ_SCALE']} FUZZ_RANDOM={env['FUZZ_RANDOM']})", flush=True)
    t0 = time.perf_counter()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"{time.perf_counter() - t0:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
