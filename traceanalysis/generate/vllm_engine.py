"""Options every ``vllm.LLM`` the package starts shares (generation and scoring).

On vLLM's CPU backend ``gpu_memory_utilization`` is the share of the machine's memory
reserved for the KV cache, and its default (0.92) fails whenever anything else holds
memory; the small models this runs on need far less. ``TRACEANALYSIS_VLLM_MEMORY``
(a fraction) overrides it on any backend.
"""

from __future__ import annotations

import os
from typing import Any

ENV_VAR = "TRACEANALYSIS_VLLM_MEMORY"
CPU_MEMORY_SHARE = 0.25


def engine_kwargs(vllm: Any) -> dict[str, Any]:
    """Extra ``vllm.LLM`` keyword arguments for this machine (may be empty)."""
    share = os.environ.get(ENV_VAR)
    if share:
        return {"gpu_memory_utilization": float(share)}
    import importlib

    # the module given (a stand-in in tests has no platforms: nothing to adjust there)
    if not hasattr(vllm, "__path__"):
        return {}
    platform = importlib.import_module(f"{vllm.__name__}.platforms").current_platform
    if platform.is_cpu():
        return {"gpu_memory_utilization": CPU_MEMORY_SHARE}
    return {}
