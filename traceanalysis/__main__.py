"""``python -m traceanalysis`` -> :func:`traceanalysis.cli.main`."""

from traceanalysis.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
