"""Lexicon files: shipped lists, schema validation, user folders, the `lexicons` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from traceanalysis.cli import main
from traceanalysis.errors import InputError
from traceanalysis.lexical import load_lexicon_file, load_lexicons, parse_lexicon

SHIPPED = {
    "reflection_kim2025",
    "reflection_simplerl",
    "reflection_ur1z",
    "anthropomorphic",
    "logical_connectors",
}


def test_shipped_lexicons_have_sources_and_provenance():
    lexicons = {lex.name: lex for lex in load_lexicons()}
    assert set(lexicons) == SHIPPED
    kim = lexicons["reflection_kim2025"]
    assert len(kim.entries) == 27
    assert {"let's check", "correction:", "double-check", "ok", "wait"} <= {
        e.phrase for e in kim.entries
    }
    for lex in lexicons.values():
        assert lex.source and lex.version and lex.description
        assert all(e.provenance for e in lex.entries)


def test_user_folder_adds_and_overrides(lexical_fixtures: Path, tmp_path: Path):
    names = [lex.name for lex in load_lexicons(lexical_fixtures / "lexicons")]
    assert "hedges" in names and SHIPPED <= set(names)
    (tmp_path / "wait.yaml").write_text(
        "name: reflection_kim2025\nversion: '9'\nentries: [wait]\n", encoding="utf-8"
    )
    replaced = {lex.name: lex for lex in load_lexicons(tmp_path)}["reflection_kim2025"]
    assert replaced.version == "9" and len(replaced.entries) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nversion: 1\n", "missing required key 'entries'"),
        ("name: X y\nversion: 1\nentries: [a]\n", "must be lowercase"),
        ("name: x\nversion: 1\nentries: [{regex: 'a(b)'}]\n", "capturing groups"),
        ("name: x\nversion: 1\nentries: [{regex: 'a['}]\n", "invalid regex"),
        ("name: x\nversion: 1\nentries: [{phrase: a, regex: b}]\n", "exactly one of"),
        ("name: x\nversion: 1\nentries: [{regex: 'a*'}]\n", "empty string"),
        ("name: x\nversion: 1\nentries: [a\n", "invalid YAML"),
    ],
)
def test_bad_files_name_file_and_problem(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_lexicon_file(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_one_name_in_two_files_of_a_folder(tmp_path: Path):
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.yaml").write_text(
            f"name: mine\nversion: '1'\nentries: [{stem}]\n", encoding="utf-8"
        )
    with pytest.raises(InputError, match="'mine' is also used by") as info:
        load_lexicons(tmp_path)
    assert str(tmp_path / "b.yaml") in str(info.value)


def test_missing_user_folder():
    with pytest.raises(InputError, match="lexicon folder not found"):
        load_lexicons("/nonexistent/lexicons")


def test_parse_lexicon_other_entries_key():
    lex = parse_lexicon({"name": "cue", "version": 1, "cues": ["Let me check"]}, entries_key="cues")
    assert lex.entries[0].phrase == "let me check"


def test_lexicons_command_lists_versions(capsys, lexical_fixtures: Path):
    assert main(["lexicons", "--lexicons", str(lexical_fixtures / "lexicons")]) == 0
    out = capsys.readouterr().out
    assert "reflection_kim2025" in out and "27" in out and "hedges" in out and "0.1" in out
    assert main(["lexicons", "--show", "reflection_ur1z"]) == 0
    assert "re-examine" in capsys.readouterr().out
    assert main(["lexicons", "--show", "nope"]) == 2
