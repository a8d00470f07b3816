"""Lexical analysis: reference tokenizers, versioned lexicons, exact one-pass counting,
word/token frequency tables, distinctive tokens (log-odds with an informative Dirichlet
prior) and the stratified ``lexical`` table.
"""

from __future__ import annotations

from traceanalysis.lexical.counting import PassResult, lexical_pass
from traceanalysis.lexical.frequency import frequency_table, token_frequency_table
from traceanalysis.lexical.lexicons import (
    Lexicon,
    LexiconEntry,
    load_lexicon_file,
    load_lexicons,
    parse_lexicon,
    shipped_lexicon_dir,
)
from traceanalysis.lexical.logodds import distinctive_tokens, log_odds_dirichlet
from traceanalysis.lexical.matcher import LexiconMatcher, compile_lexicons
from traceanalysis.lexical.report import write_lexical_outputs
from traceanalysis.lexical.segment import lemmatize_counts, sentence_counts
from traceanalysis.lexical.stage import (
    PARTS,
    LexicalResult,
    analyze_lexical,
    count_lexicons,
    lexical_columns,
    select_part,
)
from traceanalysis.lexical.tables import lexical_table
from traceanalysis.lexical.tokenizers import DEFAULT_TOKENIZER, ReferenceTokenizer, get_tokenizer
from traceanalysis.text.patterns import WORD_PATTERN, normalize_text

__all__ = [
    "DEFAULT_TOKENIZER",
    "PARTS",
    "WORD_PATTERN",
    "LexicalResult",
    "Lexicon",
    "LexiconEntry",
    "LexiconMatcher",
    "PassResult",
    "ReferenceTokenizer",
    "analyze_lexical",
    "compile_lexicons",
    "count_lexicons",
    "distinctive_tokens",
    "frequency_table",
    "get_tokenizer",
    "lemmatize_counts",
    "lexical_columns",
    "lexical_pass",
    "lexical_table",
    "load_lexicon_file",
    "load_lexicons",
    "log_odds_dirichlet",
    "normalize_text",
    "parse_lexicon",
    "select_part",
    "sentence_counts",
    "shipped_lexicon_dir",
    "token_frequency_table",
    "write_lexical_outputs",
]
