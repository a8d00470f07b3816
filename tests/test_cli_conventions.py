"""The command line follows the conventions: --version, help with a description, an
example and defaults; one-line errors with exit code 2, refused before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from traceanalysis import __version__
from traceanalysis.cli import COMMANDS, build_parser, main


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traceanalysis", *argv], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"traceanalysis {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_help_has_description_example_and_defaults(command: str) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # noqa: SLF001
    text = sub.format_help()
    assert sub.description, f"{command}: no description"
    assert f"python -m traceanalysis {command}" in text.split("example", 1)[-1], (
        f"{command}: no example invocation in --help"
    )
    formatter = sub._get_formatter()  # noqa: SLF001
    for action in sub._actions:  # noqa: SLF001
        default = action.default
        if not action.option_strings or default in (None, False, "==SUPPRESS=="):
            continue
        if isinstance(default, list):
            continue
        shown = formatter._get_help_string(action) or ""  # noqa: SLF001
        assert "default" in shown, (command, action.dest, shown)


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", "runs", "--workers", "0"],
        ["report", "runs", "--workers", "-1"],
        ["grade", "runs", "--grade-timeout", "-5"],
        ["report", "runs", "--grade-timeout", "0"],
        ["lexical", "runs", "--executor", "spark"],
        ["report"],
    ],
)
def test_bad_flags_are_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err, err


def test_an_existing_file_as_out_fails_before_the_analysis(tmp_path: Path) -> None:
    taken = tmp_path / "report.txt"
    taken.write_text("mine\n", encoding="utf-8")
    missing_runs = tmp_path / "no-runs-here"  # the --out check comes first
    for command in ("report", "grade", "lexical", "behaviors"):
        done = _run(command, str(missing_runs), "--out", str(taken))
        assert done.returncode == 2, (command, done.stderr)
        assert "--out" in done.stderr and str(taken) in done.stderr
        assert done.stderr.strip().count("\n") == 0
    assert taken.read_text(encoding="utf-8") == "mine\n"
