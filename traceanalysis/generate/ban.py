"""Token bans: a lexicon's words as token-id sequences the decoder may never complete.

For each banned word or phrase the sequences cover every casing (as written, lower,
Capitalised, Title, UPPER) with and without a leading space, as the tokenizer encodes
them, plus every single vocabulary token whose text equals the word up to case and
leading whitespace markers ("Ġwait", "▁Wait", "WAIT"). transformers applies them as
``bad_words_ids`` (the last token of a sequence is banned when the others precede it);
vLLM through :class:`BannedSequencesProcessor`. A tokenizer that can spell a word by
other token splits (e.g. "wa" + "it") is not covered: that is the limit of
sequence bans, the method of arXiv 2505.21067's token-ban ablation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError


@dataclass
class BanList:
    """Banned words, where they came from, and their token-id sequences."""

    words: list[str]
    source: str
    sequences: list[list[int]] = field(default_factory=list)

    def describe(self, tokenizer: Any = None) -> dict[str, object]:
        """What run.json records: words, source, sequence count and the decoded sequences."""
        shown = [tokenizer.decode(s) for s in self.sequences] if tokenizer is not None else []
        return {
            "source": self.source,
            "words": self.words,
            "n_sequences": len(self.sequences),
            "sequences": self.sequences,
            "sequences_text": shown,
        }


def casing_variants(word: str) -> list[str]:
    """The word as written, lower, Capitalised, Title and UPPER, each bare and with a leading space."""
    forms = [word, word.lower(), word[:1].upper() + word[1:].lower(), word.title(), word.upper()]
    out: list[str] = []
    for form in dict.fromkeys(forms):
        out.extend([form, " " + form])
    return out


def banned_sequences(words: Iterable[str], tokenizer: Any) -> list[list[int]]:
    """Token-id sequences for every casing / leading-space variant of ``words`` (sorted, unique)."""
    words = [w.strip() for w in words if w.strip()]
    seqs: set[tuple[int, ...]] = set()
    unk = getattr(tokenizer, "unk_token_id", None)
    for word in words:
        for variant in casing_variants(word):
            ids = tokenizer.encode(variant, add_special_tokens=False)
            if ids and unk not in ids:  # a variant the vocabulary cannot spell is skipped
                seqs.add(tuple(ids))
    targets = {w.lower() for w in words}
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    for token, token_id in tokenizer.get_vocab().items():
        if token_id in special:
            continue
        text = tokenizer.convert_tokens_to_string([token])
        if text.strip().lower() in targets:
            seqs.add((token_id,))
    eos = getattr(tokenizer, "eos_token_id", None)
    return [list(s) for s in sorted(seqs) if list(s) != [eos]]


def lexicon_ban_words(name: str) -> tuple[list[str], str, list[str]]:
    """The phrases of lexicon ``name`` (a shipped lexicon name or a lexicon YAML file), a
    source label ("lexicon NAME vVERSION"), and its regex entries, which cannot be banned
    as token sequences and are reported instead."""
    from traceanalysis.lexical.lexicons import load_lexicon_file, load_lexicons

    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        lexicon = load_lexicon_file(path)
    else:
        lexicons = {lx.name: lx for lx in load_lexicons()}
        if name not in lexicons:
            raise InputError(f"unknown lexicon {name!r}; available: {', '.join(sorted(lexicons))}")
        lexicon = lexicons[name]
    phrases = [e.phrase for e in lexicon.entries if e.phrase]
    regexes = [str(e.regex) for e in lexicon.entries if e.phrase is None]
    return phrases, f"lexicon {lexicon.name} v{lexicon.version}", regexes


def build_ban_list(tokenizer: Any, words: Sequence[str], source: str) -> BanList | None:
    """The ban list for ``words`` (None when empty), with its token-id sequences."""
    unique = list(dict.fromkeys(w.strip() for w in words if w.strip()))
    if not unique:
        return None
    return BanList(unique, source, banned_sequences(unique, tokenizer))


class BannedSequencesProcessor:
    """vLLM per-request logits processor: ``(generated_ids, logits) -> logits``.

    Sets the logit of a sequence's last token to -inf whenever the generated ids end
    with the rest of that sequence (the same rule as transformers' NoBadWordsLogitsProcessor).
    """

    def __init__(self, sequences: list[list[int]]) -> None:
        self.single = sorted({s[0] for s in sequences if len(s) == 1})
        self.multi = [(tuple(s[:-1]), s[-1]) for s in sequences if len(s) > 1]

    def __call__(self, generated_ids: Sequence[int], logits: Any) -> Any:
        """``logits`` with every token that would complete a banned sequence set to -inf."""
        banned = list(self.single)
        for prefix, last in self.multi:
            n = len(prefix)
            if len(generated_ids) >= n and tuple(generated_ids[-n:]) == prefix:
                banned.append(last)
        if banned:
            logits[banned] = float("-inf")
        return logits
