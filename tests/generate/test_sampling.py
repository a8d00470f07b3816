"""Keyed sampling: uniform draws, the sampled distribution, independence from the batch."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from traceanalysis.generate.sampling import KeyedSampler, keyed_uniforms, problem_seed, sample_key


def test_keys_are_stable_and_distinct() -> None:
    assert sample_key(0, "p1", 3) == sample_key(0, "p1", 3)
    keys = {sample_key(s, p, i) for s in (0, 1) for p in ("p1", "p2") for i in range(50)}
    assert len(keys) == 200
    assert 0 <= problem_seed(7, "p1") < 2**31


def test_keyed_uniforms_are_uniform_and_deterministic() -> None:
    keys = np.array([sample_key(0, "p", i) for i in range(4000)], dtype=np.uint64)
    u = keyed_uniforms(keys, 0)
    assert np.array_equal(u, keyed_uniforms(keys, 0))
    assert ((u >= 0) & (u < 1)).all()
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # draws at different steps of the same key are uncorrelated
    assert abs(np.corrcoef(u, keyed_uniforms(keys, 1))[0, 1]) < 0.08


def _sample(logits: torch.Tensor, keys: list[int], **warp: float) -> torch.Tensor:
    params = {"temperature": 1.0, "top_k": 0, "top_p": 1.0, **warp}
    sampler = KeyedSampler(keys, prompt_length=5, **params)  # type: ignore[arg-type]
    out = sampler(torch.zeros((len(keys), 5), dtype=torch.long), logits.repeat(len(keys), 1))
    assert torch.isfinite(out).sum(dim=1).eq(1).all()  # one-hot: the draw is forced
    return out.argmax(dim=1)


def test_sampled_frequencies_match_softmax() -> None:
    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0]])
    keys = [sample_key(1, "p", i) for i in range(6000)]
    draws = _sample(logits, keys, temperature=0.7).numpy()
    expected = torch.softmax(logits[0].double() / 0.7, dim=0).numpy() * len(keys)
    observed = np.bincount(draws, minlength=5)
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_top_k_and_top_p_are_respected() -> None:
    logits = torch.tensor([[3.0, 2.5, 2.0, 0.0, -1.0, -2.0]])
    keys = [sample_key(2, "p", i) for i in range(2000)]
    assert set(_sample(logits, keys, top_k=2).tolist()) == {0, 1}
    probs = torch.softmax(logits[0], dim=0)
    # top_p keeps the smallest head whose mass reaches p: here tokens 0, 1 and 2
    p = float(probs[:2].sum()) + 0.01
    assert set(_sample(logits, keys, top_p=p).tolist()) == {0, 1, 2}


def test_a_rows_draw_does_not_depend_on_its_batch() -> None:
    torch.manual_seed(0)
    logits = torch.randn(1, 40)
    keys = [sample_key(3, "p", i) for i in range(16)]
    together = _sample(logits, keys)
    alone = torch.cat([_sample(logits, [k]) for k in keys])
    reversed_batch = _sample(logits, keys[::-1]).flip(0)
    assert torch.equal(together, alone) and torch.equal(together, reversed_batch)
