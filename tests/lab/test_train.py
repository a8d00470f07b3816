"""Smoke runs of every training stage on a tiny config, and the batch/loss helpers."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import torch

from traceanalysis.lab import train as train_mod
from traceanalysis.lab.build import STAGES, train_stage
from traceanalysis.lab.model import build_model, build_tokenizer, load_model, sample, save_model
from traceanalysis.lab.recipe import TINY
from traceanalysis.lab.train import StepLog, grpo_train, lm_loss, supervised_batch, supervised_train


def test_tokenizer_round_trips_and_makes_words_and_single_digits() -> None:
    tok = build_tokenizer()
    text = "Apply rev, inc to 0123.\n0123 rev>3210\n\\boxed{3210} Wait, let me check!"
    ids = tok(text)["input_ids"]
    assert tok.decode(ids) == text
    pieces = tok.convert_ids_to_tokens(ids)
    # every digit is its own token; the task's and the reflection's words are whole tokens
    assert [p for p in pieces if any(c.isdigit() for c in p)] == list("0123012332103210")
    for word in ("Apply", " rev", " inc", " to", "boxed", " Wait", " let", " me", " check"):
        assert word in pieces
    # text outside the training corpus still round-trips (character fallback)
    odd = "Zebra quux ~^ 42"
    assert tok.decode(tok(odd)["input_ids"]) == odd
    assert tok.get_vocab() == build_tokenizer().get_vocab()  # deterministic
    chat = tok.apply_chat_template(
        [{"role": "user", "content": "Apply rev to 0123."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert chat == "Apply rev to 0123.\n"


def test_state_lines_have_a_fixed_number_of_tokens() -> None:
    tok = build_tokenizer()
    lengths = {
        len(tok(f"{a:04d} {op}>{b:04d}\n")["input_ids"])
        for a, b, op in [(1234, 4321, "rev"), (9, 1110, "inc"), (5050, 5050, "swp"), (7, 3, "dbl")]
    }
    assert lengths == {11}


def test_supervised_batch_masks_prompt_and_padding() -> None:
    tok = build_tokenizer()
    pairs = [("Apply rev to 1234.", "1234 rev>4321\n\\boxed{4321}"), ("Apply", "ok")]
    ids, mask, labels = supervised_batch(tok, pairs, max_len=64)
    joint = [tok(p + "\n" + r)["input_ids"] + [tok.eos_token_id] for p, r in pairs]
    n_prompt = [len(tok(p + "\n")["input_ids"]) for p, _ in pairs]
    assert ids.shape == (2, max(map(len, joint)))
    for i, seq in enumerate(joint):
        assert ids[i, : len(seq)].tolist() == seq  # = tokenising the joined text
        assert mask[i].tolist() == [1] * len(seq) + [0] * (ids.shape[1] - len(seq))
        assert (labels[i, : n_prompt[i]] == -100).all()
        assert labels[i, n_prompt[i] : len(seq)].tolist() == seq[n_prompt[i] :]
        assert (labels[i, len(seq) :] == -100).all()
        assert labels[i, len(seq) - 1].item() == tok.eos_token_id
    assert tok.decode(ids[0, : len(joint[0]) - 1]) == pairs[0][0] + "\n" + pairs[0][1]


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
    # the GRPO checkpoint after step 1 of 2: its own folder, step recorded, other weights
    ckpt = tmp_path / "rlvr-step1"
    info = json.loads((ckpt / "checkpoint.json").read_text())
    assert info["step"] == 1 and info["series"] == "rlvr" and info["seconds"] >= 0
    assert json.loads((tmp_path / "rlvr" / "train_summary.json").read_text())["step"] == 2
    # seeded: the same stage twice gives the same weights
    train_stage("base", TINY, tmp_path / "again")
    a, _ = load_model(tmp_path / "base")
    b, _ = load_model(tmp_path / "again" / "base")
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))


def test_grpo_checkpoints_hold_the_weights_of_their_step(tmp_path, monkeypatch) -> None:
    from traceanalysis.lab.build import train_rlvr

    torch.set_num_threads(1)
    tok = build_tokenizer()
    save_model(build_model(tok, TINY.size, seed=0), tok, tmp_path / "base")
    monkeypatch.setattr(train_mod, "reward", lambda text, gold: float(len(text) % 2))
    recipe = replace(TINY, grpo_steps=3, grpo_group=4, grpo_checkpoints=(1, 2))
    train_rlvr(recipe, tmp_path / "base", tmp_path / "rlvr")
    models = {
        name: load_model(tmp_path / name)[0]
        for name in ("base", "rlvr-step1", "rlvr-step2", "rlvr")
    }
    for step in (1, 2):
        info = json.loads((tmp_path / f"rlvr-step{step}" / "checkpoint.json").read_text())
        assert info["step"] == step and info["series"] == "rlvr"
    flat = {n: torch.cat([p.flatten() for p in m.parameters()]) for n, m in models.items()}
    names = list(flat)
    # every update changes the weights: four distinct states in training order
    assert all(not torch.equal(flat[a], flat[b]) for a, b in zip(names, names[1:], strict=False))


def test_cli_needs_a_stage_and_a_base(tmp_path, capsys) -> None:
    from traceanalysis.cli import main

    assert main(["lab", "train", "--out", str(tmp_path)]) == 2
    assert "give --all or at least one --stage" in capsys.readouterr().err
    assert main(["lab", "train", "--stage", "rlvr", "--tiny", "--out", str(tmp_path)]) == 2
    assert "no base model" in capsys.readouterr().err
