"""The reference model's view of every response: NLL under a local causal LM.

``python -m traceanalysis score RUNS --model PATH`` (:mod:`traceanalysis.score.run`) and the
plan's ``score`` stage (:mod:`traceanalysis.score.stages`, ``report --score-model PATH``)
add ``nll_<name>``, ``nll_<name>_per_token`` and ``n_tokens_<name>``; see docs/score.md.
"""
