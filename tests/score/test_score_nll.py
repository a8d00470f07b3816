"""NLLs against a direct transformers computation; padded batches against single rows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from score_helpers import CHAT_TEMPLATE, QA, direct_nll, save_llama

from traceanalysis.score.nll import batch_nll
from traceanalysis.score.scoring import get_scorer, score_frame
from traceanalysis.score.store import NllStore
from traceanalysis.score.text import run_formats


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": ["base", "rl", "chatty", "rl", "base"],
            "prompt": ["What is 2 + 2?", "What is 2 + 2?", "Name a prime.", None, "x"],
            "response": ["It is 4. \\boxed{4}", "4", "Seven, \\boxed{7}.", "no prompt", ""],
        }
    )


def _formats() -> dict:
    runs = {
        "base": {"extra": {"format": "traceanalysis-native/1", "template": QA}},
        "chatty": {"extra": {"format": "traceanalysis-native/1", "template": CHAT_TEMPLATE}},
        "rl": {"extra": {}},
    }
    return run_formats(runs)


def test_nll_equals_a_direct_forward_pass(llama_dir: Path, tmp_path: Path) -> None:
    scorer = get_scorer(llama_dir)
    store = NllStore(tmp_path / "c.sqlite")
    out, record = score_frame(_frame(), _formats(), scorer=scorer, store=store, name="t",
                              batch_size=2)  # fmt: skip
    chat_text = "<bos>User: Name a prime.\nAssistant:"
    expected = [
        direct_nll(llama_dir, "Q: What is 2 + 2?\nA:", True, "It is 4. \\boxed{4}"),
        direct_nll(llama_dir, "What is 2 + 2?", True, "4"),  # raw prompt, BOS added
        direct_nll(llama_dir, chat_text, False, "Seven, \\boxed{7}."),  # one BOS, as text
        direct_nll(llama_dir, "", True, "no prompt"),  # empty prompt: the BOS alone
    ]
    for i, (nll, n) in enumerate(expected):
        assert out.loc[i, "n_tokens_t"] == n
        assert out.loc[i, "nll_t"] == pytest.approx(nll, rel=1e-5, abs=1e-5)
        assert out.loc[i, "nll_t_per_token"] == pytest.approx(nll / n, rel=1e-5)
    # an empty response has no tokens: total 0, per-token undefined
    assert out.loc[4, "n_tokens_t"] == 0 and out.loc[4, "nll_t"] == 0.0
    assert math.isnan(out.loc[4, "nll_t_per_token"])
    assert record["computed"] == 5 and record["cached"] == 0
    assert record["templates"]["rl"] == "raw" and record["templates"]["base"].startswith("qa@")
    # the same rows again come from the cache, not the model
    again, record2 = score_frame(_frame(), _formats(), scorer=scorer, store=store, name="t")
    assert record2["computed"] == 0 and record2["cached"] == 5
    pd.testing.assert_frame_equal(again, out)
    store.close()


def test_template_changes_the_key_and_the_value(llama_dir: Path, tmp_path: Path) -> None:
    scorer = get_scorer(llama_dir)
    store = NllStore(tmp_path / "c.sqlite")
    df = _frame().iloc[:1]
    qa, _ = score_frame(df, _formats(), scorer=scorer, store=store, name="t")
    raw, rec = score_frame(df, {}, scorer=scorer, store=store, name="t")
    assert rec["computed"] == 1  # another template: another key
    assert raw.loc[0, "nll_t"] == pytest.approx(
        direct_nll(llama_dir, "What is 2 + 2?", True, "It is 4. \\boxed{4}")[0], rel=1e-5
    )
    assert raw.loc[0, "nll_t"] != pytest.approx(qa.loc[0, "nll_t"], rel=1e-3)
    store.close()


def test_too_long_is_null_not_truncated(tmp_path: Path) -> None:
    folder = save_llama(tmp_path / "short", max_positions=16)
    scorer = get_scorer(folder)
    store = NllStore(tmp_path / "c.sqlite")
    df = pd.DataFrame({"run": ["a", "a"], "prompt": ["hi", "hi"], "response": ["ok", "x" * 20]})
    out, record = score_frame(df, {}, scorer=scorer, store=store, name="t")
    assert out.loc[0, "nll_t"] == pytest.approx(direct_nll(folder, "hi", True, "ok")[0], rel=1e-5)
    assert np.isnan(out.loc[1, "nll_t"]) and out.loc[1, "n_tokens_t"] == 20
    assert record["too_long"] == 1
    store.close()


def _model(folder: Path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()


@pytest.mark.parametrize("family", ["llama", "gpt2"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_padded_batch_equals_one_row_at_a_time(
    family: str, side: str, llama_dir: Path, gpt2_dir: Path
) -> None:
    model = _model(llama_dir if family == "llama" else gpt2_dir)
    rng = np.random.default_rng(1)
    pairs = [
        (list(rng.integers(3, 90, size=lp)), list(rng.integers(3, 90, size=lr)))
        for lp, lr in [(1, 5), (7, 30), (3, 0), (12, 2), (2, 17)]
    ]
    alone = [batch_nll(model, [pair], pad_id=0)[0] for pair in pairs]
    together = batch_nll(model, pairs, pad_id=0, side=side)
    assert [n for _, n in together] == [len(r) for _, r in pairs]
    np.testing.assert_allclose(
        [x for x, _ in together], [x for x, _ in alone], rtol=1e-5, atol=1e-5
    )
    assert alone[2] == (0.0, 0)


def test_left_padding_needs_the_position_ids(gpt2_dir: Path) -> None:
    """Without explicit position ids, a left-padded GPT-2 row differs: the test above is
    able to fail."""
    model = _model(gpt2_dir)
    short, long_ = ([5, 6], [7, 8, 9]), ([5] * 10, [6] * 10)
    ids = [[0] * 15 + [*short[0], *short[1]], [*long_[0], *long_[1]]]
    mask = [[0] * 15 + [1] * 5, [1] * 20]
    attention = torch.tensor(mask)
    right = batch_nll(model, [short], pad_id=0)[0][0]

    def nll_of_short(**extra: torch.Tensor) -> float:
        with torch.no_grad():
            logits = model(input_ids=torch.tensor(ids), attention_mask=attention, **extra).logits
        logp = torch.log_softmax(logits[0], -1)
        return -sum(float(logp[15 + 2 + i - 1, t]) for i, t in enumerate(short[1]))

    assert abs(nll_of_short() - right) > 1e-3  # positions shifted by the padding
    positions = (attention.cumsum(-1) - 1).clamp(min=0)
    assert nll_of_short(position_ids=positions) == pytest.approx(right, rel=1e-5)
