"""Smoke runs of every training stage on a tiny config, and the batch/loss helpers."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import torch

from traceanalysis.lab import train as train_mod
from traceanalysis.lab.build import STAGES, train_stage
from traceanalysis.lab.model import build_model, build_tokenizer, load_model, sample
from traceanalysis.lab.recipe import TINY
from traceanalysis.lab.train import StepLog, grpo_train, lm_loss, supervised_batch, supervised_train


def test_tokenizer_round_trips_and_chat_template_adds_newline() -> None:
    tok = build_tokenizer()
    text = "Apply rev, inc to 0123.\n0123 rev>3210\n\\boxed{3210} Wait, let me check!"
    ids = tok(text)["input_ids"]
    assert len(ids) == len(text)
    assert tok.decode(ids) == text
    chat = tok.apply_chat_template(
        [{"role": "user", "content": "Apply rev to 0123."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert chat == "Apply rev to 0123.\n"


def test_supervised_batch_masks_prompt_and_padding() -> None:
    tok = build_tokenizer()
    ids, mask, labels = supervised_batch(tok, [("ab", "cd"), ("a", "c")], max_len=64)
    # "ab\ncd<eos>" = 6 tokens; "a\nc<eos>" = 4 tokens, right-padded to 6
    assert ids.shape == (2, 6)
    assert mask.tolist() == [[1] * 6, [1, 1, 1, 1, 0, 0]]
    assert tok.decode(ids[0, :5]) == "ab\ncd"
    assert (labels[0, :3] == -100).all() and labels[0, 3:].tolist() == ids[0, 3:].tolist()
    assert labels[1, 2:4].tolist() == ids[1, 2:4].tolist() and (labels[1, 4:] == -100).all()
    assert labels[0, 5].item() == tok.eos_token_id


def test_sft_loss_goes_down_on_a_fixed_batch(tmp_path) -> None:
    tok = build_tokenizer()
    model = build_model(tok, TINY.size, seed=0)
    pairs = [("Apply rev to 1234.", "1234 rev>4321\n\\boxed{4321}")] * 4
    batch = supervised_batch(tok, pairs, 64)
    before = lm_loss(model, *batch).item()
    log = StepLog(tmp_path, "sft")
    supervised_train(
        model, tok, lambda rng, n: pairs, steps=15, batch=4, lr=1e-2, max_len=64, log=log, seed=0
    )
    after = lm_loss(model, *batch).item()
    assert after < before * 0.7
    assert len(log.rows) == 15


def test_grpo_updates_weights_when_rewards_differ(tmp_path, monkeypatch) -> None:
    tok = build_tokenizer()
    model = build_model(tok, TINY.size, seed=0)
    # a reward that varies within groups, so every group has a gradient
    monkeypatch.setattr(train_mod, "reward", lambda text, gold: float(len(text) % 2))
    before = [p.detach().clone() for p in model.parameters()]
    log = StepLog(tmp_path, "grpo")
    grpo_train(model, tok, replace(TINY, grpo_steps=2, grpo_prompts=2, grpo_group=4), log)
    assert any(r["active"] > 0 for r in log.rows)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_every_stage_trains_saves_and_reloads(tmp_path) -> None:
    torch.set_num_threads(1)
    for stage in STAGES:
        train_stage(stage, TINY, tmp_path)
    for stage in STAGES:
        folder = tmp_path / stage
        summary = json.loads((folder / "train_summary.json").read_text())
        assert set(summary["greedy_accuracy_by_level"]) == {"ops1", "ops3", "ops5", "ops7", "new3"}
        with open(folder / "train_log.csv") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and "loss" in rows[0]
        model, tok = load_model(folder)
        torch.manual_seed(0)
        out = sample(model, tok, ["Apply rev to 1234."], max_new_tokens=5)
        assert isinstance(out[0], str)
    reward_log = list(csv.DictReader(open(tmp_path / "rlvr" / "train_log.csv")))
    assert "reward" in reward_log[0]
    # seeded: the same stage twice gives the same weights
    train_stage("base", TINY, tmp_path / "again")
    a, _ = load_model(tmp_path / "base")
    b, _ = load_model(tmp_path / "again" / "base")
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))


def test_cli_needs_a_stage_and_a_base(tmp_path, capsys) -> None:
    from traceanalysis.cli import main

    assert main(["lab", "train", "--out", str(tmp_path)]) == 2
    assert "give --all or at least one --stage" in capsys.readouterr().err
    assert main(["lab", "train", "--stage", "rlvr", "--tiny", "--out", str(tmp_path)]) == 2
    assert "no base model" in capsys.readouterr().err
