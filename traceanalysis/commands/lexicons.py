"""``lexicons``: list the lexicons (shipped and ``--lexicons DIR``) with versions and sizes."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lexicons`` subcommand."""
    parser = subparsers.add_parser(
        "lexicons",
        help="list lexicons: name, version, entries, exclusions, source",
        description="List the lexicons the lexical stage counts (the shipped ones and those "
        "of --lexicons FOLDER): name, version, number of entries and exclusions, and the "
        "source each word list comes from.",
        epilog="examples:\n  python -m traceanalysis lexicons\n"
        "  python -m traceanalysis lexicons --show reflection_simplerl",
    )
    parser.add_argument("--lexicons", default=None, help="folder of extra lexicon YAML files")
    parser.add_argument("--show", default=None, metavar="NAME", help="print one lexicon's entries")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print one line per lexicon, or the entries of ``--show NAME``."""
    import pandas as pd

    from traceanalysis.errors import InputError
    from traceanalysis.lexical import load_lexicons

    lexicons = load_lexicons(args.lexicons)
    if args.show:
        chosen = [lex for lex in lexicons if lex.name == args.show]
        if not chosen:
            names = ", ".join(lex.name for lex in lexicons)
            raise InputError(f"no lexicon named {args.show!r}; known: {names}")
        lex = chosen[0]
        print(f"{lex.name} {lex.version} ({lex.path})\n{lex.description}\nsource: {lex.source}")
        for entry in lex.entries:
            kind = "phrase" if entry.phrase is not None else "regex"
            print(f"  {kind:6s} {entry.text!r:28s} {entry.provenance}")
        for entry in lex.exclusions:
            print(f"  except {entry.text!r:28s} {entry.provenance}")
        return 0
    table = pd.DataFrame(
        [
            {
                "name": lex.name,
                "version": lex.version,
                "entries": len(lex.entries),
                "exclusions": len(lex.exclusions),
                "source": lex.source if len(lex.source) <= 70 else lex.source[:67] + "...",
            }
            for lex in lexicons
        ]
    )
    print(table.to_string(index=False))
    return 0
