"""The runtime: the plan of registered stages, the runner, executors, the stage cache and
memory. No analysis lives here; the stages are registered by the packages that own them."""
