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

_CAREFUL = "I must be careful with {op}."
_CONFIDENT = "I am confident in this."


def teacher_trace(problem: Problem, rng: random.Random, *, slip_rate: float = 0.15) -> str:
    """A reflective, correct solution of ``problem`` ending in ``\\boxed{answer}``."""
    n = len(problem.ops)
    lines = [f"I need {n} step{'s' if n > 1 else ''}, one at a time."]
    states = problem.states()
    for i, op in enumerate(problem.ops):
        s, t = states[i], apply_op(states[i], op)
        # One line per step that ends with the new state, as in pretraining: the base
        # finds "the i-th operation" by counting lines and copies the state from the end
        # of the line above; reflection that breaks either pattern wrecks the skill.
        line = f"{s} {op}>{t}"
        if rng.random() < slip_rate:
            line = f"{s} {op}>{corrupt_state(rng, t)} Wait, that is wrong. Let me redo it: {line}"
        elif rng.random() < 0.25:
            line += f" Wait, let me check: {s} {op}>{t}"
        if op in ("dbl", "neg", "rot") and rng.random() < 0.3:
            line = _CAREFUL.format(op=op)[:-1] + ": " + line
        lines.append(line)
    answer = states[-1]
    if n > 1 and rng.random() < 0.5:
        lines.append(
            f"Alternatively, I redo the last step: {states[-2]} {problem.ops[-1]}>{answer}"
        )
    else:
        lines.append(f"{_CONFIDENT[:-1]}: {answer}")
    lines.append(f"So \\boxed{{{answer}}}")
    return "\n".join(lines)
