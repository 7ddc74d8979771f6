"""Run every bench/bench_*.py module's main(); `python -m bench lockers` runs the matching ones."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = [arg for arg in argv if not arg.startswith("-")]
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_")
    )
    status = 0
    for name in names:
        if wanted and not any(word in name for word in wanted):
            continue
        print(f"\n--- {name} ---", flush=True)
        module = importlib.import_module(f"bench.{name}")
        status = max(status, module.main() or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
