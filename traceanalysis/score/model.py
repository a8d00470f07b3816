"""The reference model of ``score``: where its files are, their fingerprint, and loading it.

The fingerprint is the sha256 over (relative path, size, sha256 of the content) of every
non-hidden file in the model folder, so new weights, another tokenizer or an edited chat
template give another fingerprint, and every cached NLL keyed on the old one is unused.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from traceanalysis.errors import InputError
from traceanalysis.generate.problems import is_offline

BACKENDS = ("transformers", "vllm")


def resolve_model(model: str | Path) -> Path:
    """The local folder of ``model``: a folder path, or a hub id already in the local cache."""
    local = Path(model).expanduser()
    if local.is_dir():
        return local.resolve()
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(str(model), local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError):
        hint = " (offline)" if is_offline() else ""
        raise InputError(
            f"--model {model!r} is neither a local model folder nor a hub model in the local "
            f"cache{hint}; pass the folder of a causal LM (config.json, weights, tokenizer)"
        ) from None


def _file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@lru_cache(maxsize=8)
def _fingerprint(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for rel, size, _mtime in stamp:
        digest.update(f"{rel}\x00{size}\x00{_file_digest(Path(folder, rel))}\n".encode())
    return digest.hexdigest()


def model_fingerprint(folder: str | Path) -> str:
    """sha256 of every non-hidden file of ``folder`` (names, sizes, contents); memoised per
    (path, sizes, modification times) within a process."""
    root = Path(folder)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    if not files:
        raise InputError("the model folder holds no files", file=str(root))
    stamp = tuple(
        (p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files
    )
    return _fingerprint(str(root), stamp)


def default_name(model: str | Path) -> str:
    """The column suffix for ``model``: its folder (or hub id) name, lower-case, ``[a-z0-9_]``."""
    return safe_name(Path(str(model).rstrip("/")).name)


def safe_name(name: str) -> str:
    """``name`` as a column suffix (``nll_<name>``): lower-case letters, digits, ``_``."""
    clean = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    if not clean:
        raise InputError(f"--name {name!r} gives an empty column name; use letters or digits")
    return clean


def max_length(config: Any) -> int | None:
    """The longest sequence the model's position embeddings allow (None: not stated)."""
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def load_transformers(folder: Path, *, device: str | None, dtype: str) -> tuple[Any, Any, str]:
    """(model, tokenizer, device) from ``folder`` through transformers, in eval mode."""
    from traceanalysis.generate.backend_hf import load_model_and_tokenizer

    return load_model_and_tokenizer(str(folder), dtype=dtype, device=device)


def load_tokenizer(folder: Path) -> Any:
    """The model folder's tokenizer alone (the vLLM backend tokenises with it too)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
