"""One module per subcommand; see :mod:`traceanalysis.cli`."""
