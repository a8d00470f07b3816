"""The teacher: a programmatic solver that writes reflective, always-correct traces.

Its traces carry the behaviours the seed papers attribute to distilled models: a plan
(subgoal setting), first-person checks of single steps ("Wait, let me check ..."),
deliberate slips that it catches and redoes (backtracking), a second way to reach the
answer ("Alternatively, ..."), and remarks about its own confidence (metacognition).
Every final answer is correct; each corrected slip is marked as wrong before the redo.
"""

from __future__ import annotations

import random

from traceanalysis.lab.tasks import Problem, apply_op, corrupt_state

_EXPLAIN = {
    "inc": "each digit plus one gives {t}",
    "dbl": "each digit doubled mod 10 gives {t}",
    "neg": "each digit d to 10-d mod 10 gives {t}",
    "rev": "{s} backwards is {t}",
    "swp": "first and last swapped gives {t}",
    "rot": "first digit moved to the end gives {t}",
}

_CHECK_OPENERS = ("Wait, let me check", "Let me double-check", "Hmm, let me verify")
_CAREFUL = (
    "I must be careful with {op}.",
    "I am not sure about {op}, so slowly.",
)
_CONFIDENT = (
    "I am confident in this.",
    "I checked it, so I trust it.",
)


def _check_line(rng: random.Random, op: str, s: str, t: str) -> str:
    opener = rng.choice(_CHECK_OPENERS)
    return f"{opener}: {_EXPLAIN[op].format(s=s, t=t)}. Yes."


def teacher_trace(problem: Problem, rng: random.Random, *, slip_rate: float = 0.15) -> str:
    """A reflective, correct solution of ``problem`` ending in ``\\boxed{answer}``."""
    n = len(problem.ops)
    lines = [f"I need {n} step{'s' if n > 1 else ''}, one at a time."]
    states = problem.states()
    for i, op in enumerate(problem.ops):
        s, t = states[i], apply_op(states[i], op)
        if op in ("dbl", "neg", "rot") and rng.random() < 0.3:
            lines.append(rng.choice(_CAREFUL).format(op=op))
        if rng.random() < slip_rate:
            wrong = corrupt_state(rng, t)
            lines.append(f"{s} {op}>{wrong}")
            lines.append(f"Wait, that is wrong: {_EXPLAIN[op].format(s=s, t=t)}. Redo:")
        lines.append(f"{s} {op}>{t}")
        if rng.random() < 0.25:
            lines.append(_check_line(rng, op, s, t))
    answer = states[-1]
    if rng.random() < 0.5:
        chain = ">".join(states)
        lines.append(f"Alternatively, in one line: {chain}.")
        lines.append("Both agree.")
    else:
        lines.append(rng.choice(_CONFIDENT))
    lines.append(f"So \\boxed{{{answer}}}")
    return "\n".join(lines)
