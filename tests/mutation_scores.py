"""Per-file scores of the last `make mutation` run, from mutmut's files in mutants/.

Killed means a test failed (or pytest errored) with the mutant in place. A mutant no test
reaches ("no tests") and one that survived both count against the score; a time-out is
listed apart and counted as killed (the mutant made the tests hang), as mutmut counts it.
The score is over the mutants checked so far (a run stopped early, or one given a list of
mutant names, leaves the others "not checked").
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

TARGETS = ("care/visits.py", "base/validators.py", "kpi/report.py", "kpi/metrics.py")
DETECTED = {"killed", "timeout", "caught by type check"}


def main() -> int:
    root = Path("mutants")
    print(f"{'file':<22}{'mutants':>8}{'checked':>8}{'killed':>8}{'timeout':>8}"
          f"{'survived':>9}{'no tests':>9}{'other':>6}{'score':>8}")  # fmt: skip
    for target in TARGETS:
        meta = root / f"{target}.meta"
        if not meta.exists():
            print(f"{target:<22}  not run")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        counts = Counter(status_by_exit_code[code] for code in codes.values())
        detected = sum(counts[s] for s in DETECTED)
        known = {"killed", "timeout", "survived", "no tests", "not checked"}
        other = sum(n for s, n in counts.items() if s not in known)
        checked = len(codes) - counts["not checked"]
        score = 100 * detected / checked if checked else 0.0
        print(f"{target:<22}{len(codes):>8}{checked:>8}{counts['killed']:>8}{counts['timeout']:>8}"
              f"{counts['survived']:>9}{counts['no tests']:>9}{other:>6}"
              f"{score:>7.1f}%")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
