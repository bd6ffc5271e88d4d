"""The benchmark degrades cleanly when MovieLens is not beside the project."""

from __future__ import annotations

import json

from bench import recsys as bench


def test_missing_data_reports_and_exits_zero(tmp_path, capsys):
    out = tmp_path / "recsys.json"
    assert bench.main(["--quick", "--data", str(tmp_path / "nowhere"), "--out", str(out)]) == 0
    assert "not found" in capsys.readouterr().out
    assert json.loads(out.read_text())["status"] == "data absent"


def test_catalog_text_joins_title_and_genres(tmp_path):
    (tmp_path / "u.genre").write_text("unknown|0\nAction|1\nComedy|2\n\n", encoding="latin-1")
    (tmp_path / "u.item").write_text(
        "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|Heat (1995)|01-Jan-1995||http://y|0|1|0\n",
        encoding="latin-1",
    )
    catalog = bench.load_catalog(tmp_path)
    assert catalog.ids.tolist() == [1, 2]
    assert list(catalog.texts) == ["Toy Story (1995). Genres: Comedy", "Heat (1995). Genres: Action"]
    assert catalog.features.tolist() == [[0, 0, 1], [0, 1, 0]]
    assert catalog.attributes["category"].tolist() == ["Comedy", "Action"]
