"""The benchmark degrades cleanly when MovieLens is not beside the project."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import recsys as bench
from tests.conftest import PROJECT_ROOT


def test_missing_data_fails_and_leaves_the_result_as_measured(tmp_path, capsys):
    out = tmp_path / "recsys.json"
    measured = json.dumps({"status": "ok", "hybrid": {"ndcg_at_10": 0.49}}) + "\n"
    out.write_text(measured)
    assert bench.main(["--quick", "--data", str(tmp_path / "nowhere"), "--out", str(out)]) == bench.DATA_ABSENT != 0
    assert "MovieLens-100K not found" in capsys.readouterr().err
    assert out.read_text() == measured
    absent = tmp_path / "results" / "recsys.json"
    assert bench.main(["--quick", "--data", str(tmp_path / "nowhere"), "--out", str(absent)]) == bench.DATA_ABSENT
    assert not absent.parent.exists(), "nothing is created either"


def test_the_command_exits_non_zero_without_data(tmp_path):
    out = tmp_path / "recsys.json"
    done = subprocess.run([sys.executable, "-m", "bench.recsys", "--quick", "--data", str(tmp_path), "--out", str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == bench.DATA_ABSENT, done.stderr[-2000:]
    assert not out.exists()


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
