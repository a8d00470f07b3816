"""Lexical analysis: reference tokenizers, versioned lexicons, exact one-pass counting,
word/token frequency tables, distinctive tokens (log-odds with an informative Dirichlet
prior) and the stratified ``lexical`` table.
"""

from __future__ import annotations

from traceanalysis.lexical.counting import PassResult, lexical_pass
from traceanalysis.lexical.lexicons import (
    Lexicon,
    LexiconEntry,
    load_lexicon_file,
    load_lexicons,
    parse_lexicon,
    shipped_lexicon_dir,
)
from traceanalysis.lexical.matcher import LexiconMatcher, LexiconPattern, compile_lexicons
from traceanalysis.lexical.patterns import WORD_PATTERN, normalize_text
from traceanalysis.lexical.stage import (
    PARTS,
    LexicalResult,
    analyze_lexical,
    count_lexicons,
    lexical_columns,
    select_part,
)
from traceanalysis.lexical.tokenizers import DEFAULT_TOKENIZER, ReferenceTokenizer, get_tokenizer

__all__ = [
    "DEFAULT_TOKENIZER",
    "PARTS",
    "WORD_PATTERN",
    "LexicalResult",
    "Lexicon",
    "LexiconEntry",
    "LexiconMatcher",
    "LexiconPattern",
    "PassResult",
    "ReferenceTokenizer",
    "analyze_lexical",
    "compile_lexicons",
    "count_lexicons",
    "get_tokenizer",
    "lexical_columns",
    "lexical_pass",
    "load_lexicon_file",
    "load_lexicons",
    "normalize_text",
    "parse_lexicon",
    "select_part",
    "shipped_lexicon_dir",
]
