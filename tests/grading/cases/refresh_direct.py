"""Fill ``math_verify_direct`` in every golden case file and print the agreement figures.

``math_verify_direct`` is what a user calling math-verify by hand gets for the case:
``math_verify.verify(math_verify.parse(gold), math_verify.parse(response))`` at default
options. It is computed here, never typed in. Run from the repository root:

    python tests/grading/cases/refresh_direct.py          # rewrite the files, print figures
    python tests/grading/cases/refresh_direct.py --check  # print figures, exit 1 if stale

Two figures are printed: how many of our expected verdicts equal math-verify's direct
verdict at default options, and at the settings math-verify's own tests use
(``LatexExtractionConfig(boxed_match_priority=0)`` + ``ExprExtractionConfig()`` for both
sides, ``float_rounding=6``, ``strict=True``). math-verify's timeouts use ``SIGALRM``,
so every verdict is computed in the main thread of a worker process.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CASES_DIR = Path(__file__).resolve().parent
GRADERS = ("math", "text", "choice")
STATUSES = ("ok", "no_answer", "truncated", "timeout", "parse_error", "ungraded")
_KEYS = {
    "id",
    "response",
    "gold",
    "grader",
    "finish_reason",
    "expected",
    "extracted",
    "math_verify_direct",
    "why",
}


def case_files(folder: Path = CASES_DIR) -> list[Path]:
    """The case files, sorted by name."""
    return sorted(folder.glob("*.json"))


def load_cases(folder: Path = CASES_DIR) -> list[dict]:
    """Every case of every file, each with its file name under ``"_file"``; checks the shape."""
    cases: list[dict] = []
    seen: set[str] = set()
    for path in case_files(folder):
        for case in json.loads(path.read_text(encoding="utf-8")):
            problems = shape_problems(case)
            if problems:
                raise ValueError(f"{path.name}: case {case.get('id')!r}: {'; '.join(problems)}")
            if case["id"] in seen:
                raise ValueError(f"{path.name}: duplicate case id {case['id']!r}")
            seen.add(case["id"])
            cases.append({**case, "_file": path.name})
    return cases


def shape_problems(case: dict) -> list[str]:
    """What is wrong with the shape of one case (see README.md); empty when it is well formed."""
    problems = [f"unknown key {k!r}" for k in case if k not in _KEYS]
    for key in ("id", "response", "gold"):
        if not isinstance(case.get(key), str):
            problems.append(f"{key} must be a string")
    if case.get("grader") not in (None, *GRADERS):
        problems.append(f"grader must be one of {GRADERS} or absent")
    expected = case.get("expected")
    if not isinstance(expected, dict) or set(expected) != {"correct", "status"}:
        problems.append("expected must be {correct, status}")
    else:
        if expected["correct"] not in (True, False, None):
            problems.append("expected.correct must be true, false or null")
        if expected["status"] not in STATUSES:
            problems.append(f"expected.status must be one of {STATUSES}")
    if "extracted" in case and not isinstance(case["extracted"], str):
        problems.append("extracted must be a string")
    return problems


def direct_verdict(gold: str, response: str, settings: str = "default") -> bool:
    """math-verify's verdict for ``response`` against ``gold`` (its errors propagate).

    ``settings`` is ``"default"`` (``verify(parse(gold), parse(response))``) or ``"tests"``
    (the configuration of math-verify's own test suite). Call it in a main thread.
    """
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    if settings == "default":
        return bool(verify(parse(gold), parse(response)))
    config = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    return bool(verify(parse(gold, config), parse(response, config), float_rounding=6, strict=True))


def _direct_pair(args: tuple[str, str, str]) -> bool:
    import logging

    logging.disable(logging.CRITICAL)  # math-verify logs every failed parse
    return direct_verdict(*args)


def direct_verdicts(cases: list[dict], settings: str = "default", workers: int = 2) -> list[bool]:
    """``direct_verdict`` for every case, computed in worker processes (main threads)."""
    jobs = [(c["gold"], c["response"], settings) for c in cases]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_direct_pair, jobs, chunksize=8))


def agreement(cases: list[dict], direct: list[bool | None]) -> tuple[int, int]:
    """(cases whose expected verdict equals the direct verdict, all cases)."""
    same = sum(c["expected"]["correct"] == d for c, d in zip(cases, direct, strict=True))
    return same, len(cases)


def _write(folder: Path, cases: list[dict], direct: list[bool | None]) -> None:
    by_file: dict[str, list[dict]] = {}
    for case, verdict in zip(cases, direct, strict=True):
        case = {k: v for k, v in case.items() if k != "_file"} | {"_file": case["_file"]}
        case["math_verify_direct"] = verdict
        by_file.setdefault(case.pop("_file"), []).append(case)
    for name, items in by_file.items():
        text = json.dumps(items, indent=1, ensure_ascii=False) + "\n"
        (folder / name).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Refresh (or with ``--check`` only verify) ``math_verify_direct``; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if stale")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    cases = load_cases()
    direct = direct_verdicts(cases, "default", args.workers)
    tests_like = direct_verdicts(cases, "tests", args.workers)
    stale = [
        c["id"]
        for c, d in zip(cases, direct, strict=True)
        if c.get("math_verify_direct", "missing") != d
    ]
    for settings, verdicts in (("default options", direct), ("test-like settings", tests_like)):
        same, total = agreement(cases, verdicts)
        print(f"expected verdict = math-verify direct ({settings}): {same}/{total}")
    missing_why = [
        c["id"]
        for c, d in zip(cases, direct, strict=True)
        if c["expected"]["correct"] != d and not c.get("why")
    ]
    if missing_why:
        print(f"{len(missing_why)} disagreements without a 'why': {', '.join(missing_why)}")
    if args.check:
        if stale:
            print(f"{len(stale)} stale math_verify_direct fields: {', '.join(stale)}")
        return 1 if stale or missing_why else 0
    _write(CASES_DIR, cases, direct)
    print(f"wrote {len(case_files())} files, {len(stale)} fields changed")
    return 1 if missing_why else 0


if __name__ == "__main__":
    sys.exit(main())
