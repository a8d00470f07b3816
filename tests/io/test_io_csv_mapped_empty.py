"""An empty cell of a mapped response column is an empty response, not a lost row."""

from __future__ import annotations

from traceanalysis import load_runs


def test_mapped_csv_empty_response_is_kept(tmp_path):
    path = tmp_path / "run.csv"
    path.write_text('idx,output,gt\n1,hello,3\n2,,4\n3,"  ",5\n')
    df = load_runs(path, columns="problem_id=idx,response=output,gold=gt")
    assert len(df) + len(df.attrs["rejections"]) == 3
    assert df["response"].tolist() == ["hello", "", "  "]
    assert not df.attrs["rejections"]
