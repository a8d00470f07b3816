"""The lab's verifiable task family: chains of digit-wise operations on a 4-digit state.

A problem is a start state (4 digits) and a chain of operations applied in order, e.g.
``Apply rev, inc, dbl to 4821.``. A solution writes one line per step (``4821 rev>1284``)
and ends with ``\\boxed{ANSWER}``. The answer is the final 4-digit state; a random guess
succeeds 1 time in 10,000, so pass@k means something.

Difficulty knobs: the number of operations (chains longer than the base saw in
pretraining are out of its reach) and the operation set (``rot`` is never shown to the
base: problems using it need new knowledge).

Grading note: the product's grader compares answers with math-verify, which reads
``0482`` as the integer 482. Gold and answer are both read that way, so the check is
the integer comparison :func:`answers_match` (what training uses as its reward).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

DIGITS = 4

BASE_OPS = ("inc", "rev", "swp", "dbl", "neg")
NEW_OP = "rot"
ALL_OPS = BASE_OPS + (NEW_OP,)

# Test levels: name -> (number of operations, must include the new operation).
LEVELS: dict[str, tuple[int, bool]] = {
    "ops1": (1, False),
    "ops3": (3, False),
    "ops5": (5, False),
    "ops7": (7, False),
    "new3": (3, True),
}

_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


def apply_op(state: str, op: str) -> str:
    """Apply one operation to a 4-digit state string and return the new state."""
    digits = [int(c) for c in state]
    if op == "inc":
        out = [(d + 1) % 10 for d in digits]
    elif op == "dbl":
        out = [(2 * d) % 10 for d in digits]
    elif op == "neg":
        out = [(10 - d) % 10 for d in digits]
    elif op == "rev":
        out = digits[::-1]
    elif op == "swp":
        out = [digits[-1]] + digits[1:-1] + [digits[0]]
    elif op == "rot":
        out = digits[1:] + digits[:1]
    else:
        raise ValueError(f"unknown operation {op!r}; expected one of {ALL_OPS}")
    return "".join(str(d) for d in out)


@dataclass(frozen=True)
class Problem:
    """One problem: the start state and the chain of operations."""

    start: str
    ops: tuple[str, ...]
    level: str = ""

    @property
    def key(self) -> str:
        """Stable identity of the problem (start and chain)."""
        return f"{self.start}:{'-'.join(self.ops)}"

    @property
    def prompt(self) -> str:
        """The question as asked."""
        return f"Apply {', '.join(self.ops)} to {self.start}."

    def states(self) -> list[str]:
        """All states from the start to the answer (length = number of ops + 1)."""
        out = [self.start]
        for op in self.ops:
            out.append(apply_op(out[-1], op))
        return out

    @property
    def answer(self) -> str:
        """The gold answer: the final 4-digit state."""
        return self.states()[-1]


def random_state(rng: random.Random) -> str:
    """A uniformly random 4-digit state (leading zeros allowed)."""
    return "".join(str(rng.randrange(10)) for _ in range(DIGITS))


def random_problem(
    rng: random.Random, n_ops: int, ops: tuple[str, ...] = BASE_OPS, *, need: str | None = None
) -> Problem:
    """A random chain of ``n_ops`` operations from ``ops``; ``need`` must occur in it."""
    chain = [rng.choice(ops) for _ in range(n_ops)]
    if need is not None and need not in chain:
        chain[rng.randrange(n_ops)] = need
    return Problem(random_state(rng), tuple(chain))


def level_problem(rng: random.Random, level: str) -> Problem:
    """A random problem of one named test level (see :data:`LEVELS`)."""
    n_ops, new = LEVELS[level]
    if new:
        p = random_problem(rng, n_ops, ALL_OPS, need=NEW_OP)
    else:
        p = random_problem(rng, n_ops, BASE_OPS)
    return Problem(p.start, p.ops, level)


MAX_PER_LEVEL = 200


def _held_out_pool(seed: int) -> list[Problem]:
    rng = random.Random(seed)
    out: list[Problem] = []
    seen: set[str] = set()
    for level in LEVELS:
        count = 0
        while count < MAX_PER_LEVEL:
            p = level_problem(rng, level)
            if p.key not in seen:
                seen.add(p.key)
                out.append(p)
                count += 1
    return out


def held_out_problems(per_level: int, *, seed: int = 1234) -> list[Problem]:
    """Held-out test problems: the first ``per_level`` (<= 200) of each level, seeded.

    Training never draws a problem of the default seed's pool (:data:`HELD_OUT_KEYS`).
    """
    if not 1 <= per_level <= MAX_PER_LEVEL:
        raise ValueError(f"per_level must be in 1..{MAX_PER_LEVEL}, got {per_level}")
    pool = _held_out_pool(seed)
    return [p for i, p in enumerate(pool) if i % MAX_PER_LEVEL < per_level]


HELD_OUT_KEYS: frozenset[str] = frozenset(p.key for p in _held_out_pool(1234))


def training_problem(
    rng: random.Random, min_ops: int, max_ops: int, ops: tuple[str, ...] = BASE_OPS, **kw: str
) -> Problem:
    """A random training problem whose key is not among the held-out test problems."""
    while True:
        p = random_problem(rng, rng.randint(min_ops, max_ops), ops, **kw)
        if p.key not in HELD_OUT_KEYS:
            return p


def corrupt_state(rng: random.Random, state: str) -> str:
    """A wrong state: one digit changed to another random digit."""
    pos = rng.randrange(DIGITS)
    wrong = str((int(state[pos]) + rng.randint(1, 9)) % 10)
    return state[:pos] + wrong + state[pos + 1 :]


def terse_solution(problem: Problem, rng: random.Random, error_rate: float = 0.0) -> str:
    """One line per step and the boxed answer; each step is wrong with ``error_rate``."""
    lines = []
    state = problem.start
    for op in problem.ops:
        nxt = apply_op(state, op)
        if error_rate and rng.random() < error_rate:
            nxt = corrupt_state(rng, nxt)
        lines.append(f"{state} {op}>{nxt}")
        state = nxt
    lines.append(f"\\boxed{{{state}}}")
    return "\n".join(lines)


def extract_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` in ``text``, or None."""
    found = _BOXED.findall(text)
    return found[-1].strip() if found else None


def answers_match(answer: str | None, gold: str) -> bool:
    """Integer comparison of an extracted answer with the gold state (math-verify's view)."""
    if answer is None or not answer.isdigit():
        return False
    return int(answer) == int(gold)


def reward(response: str, gold: str) -> float:
    """1.0 when the last boxed answer equals the gold answer, else 0.0."""
    return 1.0 if answers_match(extract_boxed(response), gold) else 0.0
