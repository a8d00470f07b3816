"""The teacher: a programmatic solver that writes correct traces followed by reflection.

The steps are the base's own terse format (always correct); after the boxed answer the
teacher reflects in the first person, in words the seed papers attribute to distilled
models: checks ("Wait, let me check step 2 again."), backtracking ("at first I thought
step 3 was wrong"), a second approach ("Alternatively, ..."), and self-monitoring
("I must be careful with dbl"). The grader reads the last ``\\boxed{}``, so the
reflection never changes the answer.
"""

from __future__ import annotations

import random

from traceanalysis.lab.tasks import Problem, terse_solution

_OPENERS = ("Wait, let me check", "Let me double-check", "Hmm, let me verify")
_CHECKS = (
    "{opener} step {k} again. Yes, {op} gives the same result.",
    "{opener} the {op} step. I recompute it and it is right.",
    "{opener} the answer by redoing the chain. I get the same result.",
)
_BACKTRACK = (
    "Wait, at first I thought step {k} was wrong, but redoing {op} gives the same state.",
    "Hmm, I made a mistake in my head with {op}, so I went back and fixed it.",
)
_ALTERNATIVE = (
    "Alternatively, I could track each digit on its own; that gives the same answer.",
    "Another way: apply the steps in my head digit by digit. Same result.",
)
_META = (
    "I must be careful with {op}, it is easy to get wrong.",
    "I am not sure about {op} at first, but I checked it.",
)
_CONFIDENT = ("I am confident in this.", "So I trust this answer.")


def teacher_trace(problem: Problem, rng: random.Random, *, slip_rate: float = 0.3) -> str:
    """A reflective, correct solution of ``problem`` ending in ``\\boxed{answer}``."""
    # The steps are written exactly as in pretraining (one line per step, then the boxed
    # answer): the base's algorithms are positional (count lines, copy the state a fixed
    # distance back), and every teacher that put words between or inside step lines
    # wrecked them. The reflection follows the answer and copies nothing.
    steps = terse_solution(problem, rng)
    ops = problem.ops
    k = rng.randrange(len(ops))
    fill = {"k": k + 1, "op": ops[k]}
    tail = [rng.choice(_CHECKS).format(opener=rng.choice(_OPENERS), **fill)]
    if rng.random() < slip_rate:
        tail.append(rng.choice(_BACKTRACK).format(**fill))
    if rng.random() < 0.5:
        tail.append(rng.choice(_ALTERNATIVE))
    if rng.random() < 0.5:
        tail.append(rng.choice(_META).format(**fill))
    tail.append(rng.choice(_CONFIDENT))
    return steps + "\n" + " ".join(tail)
