"""The validator and loader on malformed input: one clear problem per defect, nothing half-loaded.

Fixtures: tests/fixtures/good.geojson (passes) and tests/fixtures/bad/* (one defect each;
written by tests/fixtures/make_bad_fixtures.py).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from geo.crs import geometry_to_gcj02
from geo.features import load_layers
from geo.errors import DataError
from geo.validate import (
    WHOLE_FILE, looks_like_gcj02, read_feature_collection, validate_all, validate_file,
    validate_targets, validate_unmapped,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad"
GOOD_ID = "yz-guotai-art-center"

# fixture (tests/fixtures/bad/<name>.geojson) -> (feature named in the problem, reason pattern)
BAD_LAYER_FILES = {
    "not_json": (WHOLE_FILE, r"^not valid JSON"),
    "wrong_encoding": (WHOLE_FILE, r"^not UTF-8 text"),
    "not_a_feature_collection": (WHOLE_FILE, r"^not a GeoJSON FeatureCollection \(found 'Feature'\)"),
    "crs_not_wgs84": (WHOLE_FILE, r"^declares a non-WGS-84 crs .*3857"),
    "features_not_a_list": (WHOLE_FILE, r"'features' is not a list"),
    "not_a_feature": ("feature #2", r"^not a GeoJSON Feature"),
    "missing_property": (GOOD_ID, r"^missing required property: name_zh$"),
    "property_wrong_type": (GOOD_ID, r"^themes must be a list, not str$"),
    "bad_id_format": ("Guotai_Art_Center", r"^id 'Guotai_Art_Center' is not a readable lowercase slug"),
    "feature_id_mismatch": (GOOD_ID, r"Feature's id 'yz-guotai' differs from properties.id"),
    "repeated_id": (GOOD_ID, r"^id repeats \(first in [a-z_]+\.geojson\)$"),
    "null_geometry": (GOOD_ID, r"^geometry is missing or null$"),
    "empty_geometry": (GOOD_ID, r"^geometry is empty$"),
    "malformed_geometry": (GOOD_ID, r"^geometry is not valid GeoJSON 'Point'"),
    "invalid_geometry": ("yz-bowtie-zone", r"^geometry is invalid: Self-intersection"),
    "wrong_geometry_type": (GOOD_ID, r"^geometry type LineString not allowed in layer projects"),
    "non_finite_coordinates": (GOOD_ID, r"non-finite coordinates"),
    "coordinates_out_of_range": (GOOD_ID, r"^coordinates out of range"),
    "coordinates_swapped": (GOOD_ID, r"^coordinates look swapped"),
    "outside_chongqing": (GOOD_ID, r"^coordinates lie outside Chongqing$"),
    "outside_district": (GOOD_ID, r"^lies outside its district 渝中区 \(tolerance 50 m\)$"),
    "gcj02_marked_wgs84": ("yz-raffles-test-zone", r"^lies outside its district 渝中区 .*look like GCJ-02"),
    "gcj02_district_boundary": ("district-yuzhong", r"^boundary overlaps the reference boundary of 渝中区 by only \d+%.*GCJ-02"),
    "in_river": (GOOD_ID, r"^lies in a river \(\d+ m from the centre line\) but is a culture_venue$"),
    "quote_not_verbatim": (GOOD_ID, r"^source: yz-fyp15 box13.para3: quote not found verbatim"),
    "unknown_paragraph": (GOOD_ID, r"^source: yz-fyp15: unknown paragraph 'box13.para99'$"),
    "unknown_document": (GOOD_ID, r"^source: unknown document 'yz-fyp99'$"),
    "section_mismatch": (GOOD_ID, r"section 'box12' does not hold paragraph 'box13.para3'"),
    "no_sources": (GOOD_ID, r"^no sources"),
    "target_quote_not_verbatim": (GOOD_ID, r"^target '演出场次': yz-fyp15 box13.para3: quote not found verbatim"),
    "period_not_in_vocabulary": (GOOD_ID, r"^period 'fyp16' is not in the vocabulary$"),
    "theme_not_in_vocabulary": (GOOD_ID, r"^theme 'tourism' is not in the vocabulary$"),
    "category_not_in_vocabulary": (GOOD_ID, r"^category 'castle' is not in layer projects's vocabulary$"),
    "status_not_in_vocabulary": (GOOD_ID, r"^status 'demolished' is not in the vocabulary$"),
    "precision_not_in_vocabulary": (GOOD_ID, r"^location.precision 'approximate' is not one of"),
    "empty_basis": (GOOD_ID, r"^location.basis is empty"),
    "unknown_layer": (GOOD_ID, r"^unknown layer 'landmarks'"),
    "district_not_a_plan_district": (GOOD_ID, r"^district '江北区' is not one of 渝中区, 大渡口区$"),
}
# fixture (tests/fixtures/bad/<name>.csv) -> (row named in the problem, reason pattern)
BAD_TABLES = {
    "targets_unknown_feature": ("t1", r"^points at unknown feature 'yz-no-such-place'$"),
    "targets_unknown_document": ("t1", r"^unknown document 'yz-fyp99'$"),
    "targets_quote_not_verbatim": ("t1", r"quote not found verbatim"),
    "targets_repeated_id": ("t1", r"^target_id repeats$"),
    "targets_missing_column": (WHOLE_FILE, r"^missing column\(s\): feature_id$"),
    "targets_wrong_encoding": (WHOLE_FILE, r"^not UTF-8 text"),
    "unmapped_no_reason": ("row 2 (国泰艺术中心)", r"^no reason given$"),
}


def check_table(path: Path, corpus) -> list:
    if path.name.startswith("unmapped"):
        return validate_unmapped(path, corpus)
    return validate_targets(path, {GOOD_ID}, corpus)


def fixture_layer(path: Path) -> str:
    """The layer file a fixture would be shipped as (its feature's layer, else projects)."""
    try:
        layer = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]["layer"]
    except Exception:
        return "projects"
    return layer if layer in ("districts", "zones", "projects") else "projects"


def test_every_fixture_is_checked_and_there_are_at_least_20_kinds():
    on_disk = {p.stem for p in BAD.iterdir()}
    assert on_disk == set(BAD_LAYER_FILES) | set(BAD_TABLES)
    assert len(on_disk) >= 20


def test_good_fixture_passes():
    assert validate_file(FIXTURES / "good.geojson") == []


@pytest.mark.parametrize("name", sorted(BAD_LAYER_FILES))
def test_bad_layer_file_gives_one_clear_problem(name):
    feature, reason = BAD_LAYER_FILES[name]
    problems = validate_file(BAD / f"{name}.geojson")
    assert [(p.file, p.feature) for p in problems] == [(f"{name}.geojson", feature)], problems
    assert re.search(reason, problems[0].reason), problems[0].reason


@pytest.mark.parametrize("name", sorted(BAD_TABLES))
def test_bad_table_gives_one_clear_problem(name, corpus):
    row, reason = BAD_TABLES[name]
    problems = check_table(BAD / f"{name}.csv", corpus)
    assert [(p.file, p.feature) for p in problems] == [(f"{name}.csv", row)], problems
    assert re.search(reason, problems[0].reason), problems[0].reason


def test_short_table_rows_are_reported(tmp_path, corpus):
    short = tmp_path / "targets.csv"
    short.write_text("target_id,document,paragraph,quote,feature_id\nt1,yz-fyp15\n", encoding="utf-8")
    assert [str(p) for p in validate_targets(short, set(), corpus)] == ["targets.csv: t1: yz-fyp15: unknown paragraph None"]


def test_missing_tables_are_reported(tmp_path, corpus):
    assert [p.reason for p in validate_targets(tmp_path / "targets.csv", set(), corpus)] == ["file is missing"]
    assert [p.reason for p in validate_unmapped(tmp_path / "unmapped.csv", corpus)] == ["file is missing"]


def test_gcj02_helper_tells_shifted_from_true_positions():
    tip = shapely.box(106.5811, 29.5662, 106.5853, 29.5698)
    assert not looks_like_gcj02(tip, "渝中区")  # inside as it is
    assert looks_like_gcj02(geometry_to_gcj02(tip), "渝中区")
    assert not looks_like_gcj02(shapely.Point(106.48, 29.42), "渝中区")  # simply elsewhere


# --- the loader: all or nothing ---------------------------------------------------------

@pytest.fixture
def good_dir(tmp_path):
    """A data folder holding the good fixture split into layer files."""
    collection = json.loads((FIXTURES / "good.geojson").read_text(encoding="utf-8"))
    for f in collection["features"]:
        layer = f["properties"]["layer"]
        (tmp_path / f"{layer}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": [f]}, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_loader_loads_good_files(good_dir):
    frame = load_layers(good_dir)
    assert sorted(frame.index) == ["district-yuzhong", GOOD_ID, "yz-raffles-test-zone"]
    assert frame.loc[GOOD_ID, "precision"] == "street"


@pytest.mark.parametrize("name", sorted(BAD_LAYER_FILES))
def test_loader_refuses_bad_file_and_loads_nothing(good_dir, name):
    layer = fixture_layer(BAD / f"{name}.geojson")
    shutil.copy(BAD / f"{name}.geojson", good_dir / f"{layer}.geojson")
    result = None
    with pytest.raises(DataError) as err:
        result = load_layers(good_dir)
    assert result is None
    expected_feature, reason = BAD_LAYER_FILES[name]
    problems = err.value.problems
    assert {p.file for p in problems} == {f"{layer}.geojson"}
    assert any(p.feature == expected_feature and re.search(reason, p.reason) for p in problems), problems
    assert f"{layer}.geojson: {expected_feature}: " in str(err.value)


def test_loader_refuses_a_folder_without_layers(tmp_path):
    with pytest.raises(DataError, match="no .geojson layer files"):
        load_layers(tmp_path)


def test_loader_refuses_a_file_that_is_not_a_layer(good_dir):
    shutil.copy(FIXTURES / "good.geojson", good_dir / "landmarks.geojson")
    with pytest.raises(DataError, match=r"landmarks.geojson: \(whole file\): file name is not a layer"):
        load_layers(good_dir)


def test_ids_must_be_unique_across_layer_files(good_dir):
    zone = json.loads((good_dir / "zones.geojson").read_text(encoding="utf-8"))
    zone["features"][0]["id"] = zone["features"][0]["properties"]["id"] = GOOD_ID
    (good_dir / "zones.geojson").write_text(json.dumps(zone, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_layers(good_dir)
    assert [str(p) for p in err.value.problems] == [f"zones.geojson: {GOOD_ID}: id repeats (first in projects.geojson)"]


def test_a_200_mb_file_is_refused_without_reading_it(good_dir):
    big = good_dir / "projects.geojson"
    with big.open("wb") as fh:  # sparse: a valid start, then 200 MB the disk never stores
        fh.write(b'{"type":"FeatureCollection","features":[')
        fh.truncate(200 * 2**20)
    tracemalloc.start()
    try:
        features, problems = read_feature_collection(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert features == []
    assert [(p.file, p.feature) for p in problems] == [("projects.geojson", WHOLE_FILE)]
    assert re.search(r"200 MiB, over the 50 MiB limit", problems[0].reason)
    assert peak < 5 * 2**20  # the file was never read into memory
    with pytest.raises(DataError, match="projects.geojson"):
        load_layers(good_dir)


# --- the command line ----------------------------------------------------------------------

def run_validate(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geo", "validate", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return proc, time.perf_counter() - start


def test_cli_passes_on_the_bundled_data_quickly():
    proc, seconds = run_validate()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK")
    assert seconds < 10, f"python -m geo validate took {seconds:.1f} s (it runs at app start)"


def test_bundled_data_has_no_problems():
    assert validate_all() == []


@pytest.fixture
def cli_dir(good_dir):
    """A data folder for the command line: the good layers and empty tables."""
    (good_dir / "targets.csv").write_text("target_id,document,paragraph,quote,feature_id\n", encoding="utf-8")
    (good_dir / "unmapped.csv").write_text("name_zh,document,paragraph,quote,reason\n", encoding="utf-8")
    return good_dir


def cli_args(folder: Path) -> list[str]:
    return ["--geojson-dir", str(folder), "--targets", str(folder / "targets.csv"), "--unmapped", str(folder / "unmapped.csv")]


def test_cli_passes_on_good_fixtures(cli_dir):
    proc, _ = run_validate(*cli_args(cli_dir))
    assert proc.returncode == 0, proc.stderr


def test_cli_names_file_feature_and_reason(cli_dir):
    shutil.copy(BAD / "coordinates_swapped.geojson", cli_dir / "projects.geojson")
    moved = json.loads((FIXTURES / "good.geojson").read_text(encoding="utf-8"))
    moved["features"] = moved["features"][:1]  # a projects feature filed under stations
    (cli_dir / "stations.geojson").write_text(json.dumps(moved, ensure_ascii=False), encoding="utf-8")
    shutil.copy(BAD / "targets_unknown_feature.csv", cli_dir / "targets.csv")
    proc, _ = run_validate(*cli_args(cli_dir))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert f"projects.geojson: {GOOD_ID}: coordinates look swapped (lat, lon): GeoJSON order is lon, lat" in lines
    assert f"stations.geojson: {GOOD_ID}: layer 'projects' does not match the file's layer 'stations'" in lines
    assert f"stations.geojson: {GOOD_ID}: id repeats (first in projects.geojson)" in lines
    assert "targets.csv: t1: points at unknown feature 'yz-no-such-place'" in lines
    assert lines[-1] == "FAILED: 4 problem(s)"


def test_unforeseen_input_is_reported_not_raised():
    """Odd values in odd places never raise out of the validator."""
    good = json.loads((FIXTURES / "good.geojson").read_text(encoding="utf-8"))["features"][0]
    odd_values = [None, 0, 1.5, True, [], {}, [[]], {"a": []}, "", "x" * 10_000, "<script>alert(1)</script>"]
    keys = list(good["properties"]) + ["geometry"]
    from geo.plans import load_corpus
    from geo.validate import validate_features
    from geo.vocab import load_vocabulary

    vocab, corpus = load_vocabulary(), load_corpus()
    for key in keys:
        for value in odd_values:
            f = json.loads(json.dumps(good))
            if key == "geometry":
                f["geometry"] = value
            else:
                f["properties"][key] = value
            problems = validate_features([f], "odd.geojson", "projects", vocab, corpus)
            assert all(p.file == "odd.geojson" for p in problems)
            assert not any(p.reason.startswith("could not be checked") for p in problems), (key, value, problems)
    # nested values: sources, targets, location
    for path, value in [(("sources", 0, "quote"), ["q"]), (("sources", 0, "paragraph"), {"p": 1}),
                        (("location", "precision"), ["exact"]), (("location", "basis"), None),
                        (("sources", 0), "yz-fyp15")]:
        f = json.loads(json.dumps(good))
        target = f["properties"]
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        problems = validate_features([f], "odd.geojson", "projects", vocab, corpus)
        assert problems and not any(p.reason.startswith("could not be checked") for p in problems), (path, problems)


def test_geometry_of_good_fixture_is_what_the_loader_returns(good_dir):
    frame = load_layers(good_dir)
    raw = json.loads((FIXTURES / "good.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"]
    assert frame.loc[GOOD_ID, "geometry"].equals(shape(raw))


def test_the_rename_links_are_checked_against_the_features(tmp_path, corpus):
    """`python -m geo validate` runs the period comparison's link checks (geo.compare.check_links)."""
    import yaml

    from geo.validate import read_layers, validate_links
    from geo.vocab import load_vocabulary

    features, _ = read_layers(ROOT / "data" / "geojson", load_vocabulary(), corpus)
    assert validate_links(features, corpus) == []
    raw = yaml.safe_load((ROOT / "data" / "links.yaml").read_text(encoding="utf-8"))
    raw["renames"][0]["to"] = "no-such-feature"
    broken = tmp_path / "links.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (problem,) = validate_links(features, corpus, broken)
    assert problem.file == "links.yaml" and "no feature 'no-such-feature'" in problem.reason
    raw["renames"][0]["evidence"][0]["quote"] = "规划里没有的一句话"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (problem,) = validate_links(features, corpus, broken)
    assert problem.feature == WHOLE_FILE and "quote not found verbatim" in problem.reason
