"""The search index on disk: an exported engine answers as the one it came from, and a process indexing the
catalog loads a usable snapshot (then pulls what changed since), builds when there is none it may use, and
builds only once when two builders start together."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests import factories as f
from tests.catalog import factories as cf
from tests.catalog.test_search_engine import DOCS, LEXICON, QUERIES, TYPOS
from yiwang.catalog import searching, service
from yiwang.catalog.models import CatalogIndexState
from yiwang.catalog.search import Analyzer, Filters, SearchDoc, SearchEngine, snapshot
from yiwang.core.config import reset_settings
from yiwang.core.db import session_factory

FILTERS = [None, Filters(item_type="01"), Filters(region_prefix="4401"), Filters(audience="1"),
           Filters(theme="婚姻登记"), Filters(department="民政局"), Filters(department_id=12)]


def answers(engine: SearchEngine) -> list[object]:
    return [engine.search(q, flt, limit=20) for q in [*QUERIES, ""] for flt in FILTERS]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(lexicon=LEXICON, typos=TYPOS)


def restored(engine: SearchEngine, analyzer: Analyzer, tmp_path: Path) -> SearchEngine:
    """``engine`` written to a snapshot file and read back into a new engine."""
    path = tmp_path / "index.npz"
    snapshot.write(path, {"what": "test"}, engine.export())
    copy = SearchEngine(analyzer)
    with snapshot.opened(path) as found:
        assert found is not None and found[0] == {"what": "test"}
        copy.restore(found[1])
    return copy


# -- the engine ----------------------------------------------------------------------------------------


def test_a_restored_engine_answers_as_the_original(analyzer: Analyzer, tmp_path: Path) -> None:
    engine = SearchEngine(analyzer)
    engine.build(DOCS)
    copy = restored(engine, analyzer, tmp_path)
    assert len(copy) == len(DOCS)
    assert answers(copy) == answers(engine)
    assert [code for code, _ in copy.search("营业执照")[1]][:2] == ["A001", "A002"]


def test_pending_changes_are_in_the_export_and_changes_apply_after_a_restore(analyzer: Analyzer,
                                                                             tmp_path: Path) -> None:
    engine = SearchEngine(analyzer)
    engine.build(DOCS)
    engine.upsert(SearchDoc("A013", "养犬登记证核发", "公安局", 12, "440100", "01", ("1",), ("宠物",), "犬只免疫证明"))
    engine.remove("A005")
    copy = restored(engine, analyzer, tmp_path)
    fresh = SearchEngine(analyzer)
    fresh.build([d for d in DOCS if d.code != "A005"]
                + [SearchDoc("A013", "养犬登记证核发", "公安局", 12, "440100", "01", ("1",), ("宠物",), "犬只免疫证明")])
    assert answers(copy) == answers(fresh)
    for e in (copy, fresh):  # the same changes after the restore as on a fresh build
        e.upsert(SearchDoc("A001", "营业执照注销登记", "市场监督管理局", 11, "440100", "01", ("2",), (), ""))
        e.remove("A008")
        e.upsert(SearchDoc("A014", "护照加注", "出入境管理支队", 12, "440100", "01", ("1",), ("出境入境",), "护照"))
    assert answers(copy) == answers(fresh)
    copy.compact(), fresh.compact()
    assert answers(copy) == answers(fresh)


def test_restore_refuses_arrays_that_do_not_fit(analyzer: Analyzer) -> None:
    engine = SearchEngine(analyzer)
    engine.build(DOCS)
    arrays = engine.export()
    broken = dict(arrays, indices=arrays["indices"][:-1])
    with pytest.raises(ValueError):
        SearchEngine(analyzer).restore(broken)
    broken = dict(arrays, lengths=np.zeros((7, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        SearchEngine(analyzer).restore(broken)


# -- the platform: load, fall back, lock ------------------------------------------------------------------


@pytest.fixture()
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("YIWANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("YIWANG_SEARCH_REFRESH_SECONDS", "0")
    reset_settings()
    searching.reset()
    yield tmp_path / "var"
    monkeypatch.undo()
    reset_settings()
    searching.reset()


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full builds (analysing every item) as against snapshot loads."""
    calls: list[int] = []
    real = searching._build

    def counting(session: Session, state: searching._State) -> None:
        calls.append(1)
        real(session, state)

    monkeypatch.setattr(searching, "_build", counting)
    return calls


def _catalog(session: Session) -> dict[str, str]:
    f.region(session, "440104")
    codes = {name: cf.published(session, name=name) for name in
             ("犬只养殖登记", "营业执照核发", "结婚登记", "出生医学证明办理", "税收完税证明开具")}
    session.commit()
    return codes


def _search(session: Session, q: str, **filters: str) -> list[str]:
    return [s.code for s in service.search_items(session, q=q, **filters)[1]]  # type: ignore[arg-type]


def _path(session: Session) -> Path:
    path = searching.snapshot_path(str(session.get_bind().engine.url))
    assert path is not None
    return path


def _restart() -> None:
    """What a new process starts with: no index in memory (the snapshot on disk stays)."""
    searching.reset()


QUERY_SET = [("犬只", {}), ("登记", {}), ("营业执照", {"item_type": "行政许可"}), ("", {}), ("jhdj", {}),
             ("证明", {"region": "440104"})]


def test_a_restart_loads_the_snapshot_and_answers_as_a_build(session: Session, var_dir: Path,
                                                               builds: list[int]) -> None:
    _catalog(session)
    before = [_search(session, q, **flt) for q, flt in QUERY_SET]
    assert len(builds) == 1 and _path(session).is_file()
    _restart()
    assert searching.warm(session) == 5
    assert [_search(session, q, **flt) for q, flt in QUERY_SET] == before
    assert len(builds) == 1  # loaded, not built
    summary = service.search_items(session, q="结婚登记")[1][0]
    assert (summary.name, summary.department, summary.version) == ("结婚登记", "区市场监督管理局", 1)


def test_changes_after_the_snapshot_are_seen_after_a_load(session: Session, var_dir: Path,
                                                          builds: list[int]) -> None:
    codes = _catalog(session)
    searching.warm(session)
    _restart()
    admin = f.staff(session, "cat", ["admin"], "区政务服务数据管理局")
    service.retire(session, admin, code=codes["犬只养殖登记"], reason="取消")
    new = cf.published(session, name="宠物犬登记")
    service.update_draft(session, admin, code=codes["结婚登记"], changes={"name": "婚姻登记（结婚）"})
    service.publish(session, admin, code=codes["结婚登记"])
    session.commit()
    assert _search(session, "宠物犬")[0] == new
    assert codes["犬只养殖登记"] not in _search(session, "犬只养殖")
    assert _search(session, "婚姻登记")[0] == codes["结婚登记"]
    assert service.search_items(session, q="婚姻登记")[1][0].version == 2
    assert len(builds) == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign version", "other epoch", "ahead"])
def test_an_unusable_snapshot_means_a_build(session: Session, var_dir: Path, builds: list[int],
                                            damage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = _catalog(session)
    before = _search(session, "登记")
    path = _path(session)
    if damage == "garbage":
        path.write_bytes(b"not a snapshot at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "foreign version":
        monkeypatch.setattr(searching, "_fingerprint", lambda: "written by other code")
    elif damage == "other epoch":
        session.execute(update(CatalogIndexState).values(epoch="0" * 32))
        session.commit()
    else:  # the database is behind the snapshot (restored from a backup)
        session.execute(update(CatalogIndexState).values(generation=CatalogIndexState.generation - 1))
        session.commit()
    _restart()
    assert _search(session, "登记") == before
    assert codes["结婚登记"] in before
    assert len(builds) == 2
    if damage in ("garbage", "truncated", "other epoch"):  # rewritten: the next restart loads it
        _restart()
        assert _search(session, "登记") == before
        assert len(builds) == 2


def test_snapshots_can_be_turned_off(session: Session, var_dir: Path, builds: list[int],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIWANG_SEARCH_SNAPSHOT", "false")
    reset_settings()
    _catalog(session)
    assert _search(session, "犬只")
    assert searching.snapshot_path("x") is None and not (var_dir / "search").exists()


def test_two_builders_starting_together_build_once(session: Session, var_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _catalog(session)
    searching.reset()
    building, results, errors = threading.Event(), {}, []
    calls: list[str] = []
    real = searching._build

    def slow_build(s: Session, state: searching._State) -> None:
        calls.append(threading.current_thread().name)
        building.set()
        threading.Event().wait(0.5)  # the other process starts meanwhile and finds no snapshot yet
        real(s, state)

    monkeypatch.setattr(searching, "_build", slow_build)
    key = str(session.get_bind().engine.url)
    factory = session_factory(session.get_bind().engine)  # type: ignore[arg-type]

    def worker(name: str) -> None:
        try:
            with factory() as s:
                state = searching._State(SearchEngine(searching.default_analyzer()), key)
                searching._load_or_build(s, state)
                results[name] = state.engine.search("登记")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    first = threading.Thread(target=worker, args=("first",), name="first")
    first.start()
    assert building.wait(10)
    second = threading.Thread(target=worker, args=("second",), name="second")
    second.start()
    first.join(30), second.join(30)
    assert not errors
    assert calls == ["first"]
    assert results["first"] == results["second"] and results["first"][0] >= 2


def test_the_reindex_command_writes_a_snapshot_that_a_restart_loads(session: Session, var_dir: Path,
                                                                    builds: list[int]) -> None:
    _catalog(session)
    assert searching.rebuild(session) == 5
    assert len(builds) == 1 and _path(session).is_file()
    _restart()
    assert _search(session, "犬只")
    assert len(builds) == 1


def test_the_reindex_command(session: Session, var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from yiwang.cli import main

    _catalog(session)
    monkeypatch.setenv("YIWANG_DATABASE_URL", session.get_bind().engine.url.render_as_string(hide_password=False))
    reset_settings()
    r = CliRunner().invoke(main, ["catalog", "reindex"])
    assert r.exit_code == 0, r.output
    assert "indexed 5 item(s)" in r.output and str(_path(session)) in r.output


def test_the_snapshot_is_rewritten_once_enough_items_changed(session: Session, var_dir: Path, builds: list[int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _catalog(session)
    searching.warm(session)
    first = snapshot.read_meta(_path(session))
    assert first is not None
    monkeypatch.setattr(searching, "SNAPSHOT_SECONDS", 0.0)
    monkeypatch.setattr(searching, "SNAPSHOT_CHANGES", 2)
    new = cf.published(session, name="宠物犬登记")
    session.commit()
    assert _search(session, "宠物犬")[0] == new
    assert snapshot.read_meta(_path(session)) == first  # one change: not yet
    other = cf.published(session, name="养犬许可证核发")
    session.commit()
    assert _search(session, "养犬许可证")[0] == other
    for thread in threading.enumerate():  # the rewrite runs beside the searches, not inside one
        if thread.name == "search-snapshot":
            thread.join(30)
    meta = snapshot.read_meta(_path(session))
    assert meta is not None and meta["generation"] > first["generation"] and meta["items"] == 7
    _restart()
    monkeypatch.setattr(searching, "_apply_changes", lambda *a: pytest.fail("nothing should be left to pull"))
    assert _search(session, "宠物犬")[0] == new and _search(session, "养犬许可证")[0] == other
    assert len(builds) == 1


def test_a_write_replaces_the_file_whole_and_clears_what_a_killed_writer_left(tmp_path: Path) -> None:
    path = tmp_path / "search" / "catalog-x.npz"
    snapshot.write(path, {"n": 1}, {"a": np.arange(3)})
    left = path.with_name(path.name + ".12345.tmp")
    left.write_bytes(b"half a snapshot")
    snapshot.write(path, {"n": 2}, {"a": np.arange(5)})
    assert snapshot.read_meta(path) == {"n": 2} and not left.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["catalog-x.npz"]
    assert snapshot.read_meta(tmp_path / "missing.npz") is None


def test_an_empty_index_and_unusual_text_round_trip(analyzer: Analyzer, tmp_path: Path) -> None:
    empty = SearchEngine(analyzer)
    empty.build([])
    copy = restored(empty, analyzer, tmp_path)
    assert len(copy) == 0 and copy.search("营业执照") == (0, [])
    odd = [SearchDoc("B1", "名称\n带换行 and ＡＢＣ", "", None, "", "", (), ("主题,一", "二")),
           SearchDoc("B2", "営業许可😀", "部门", 3, "440100", "01", ("1",), (), "")]
    engine = SearchEngine(analyzer)
    engine.build(odd)
    copy = restored(engine, analyzer, tmp_path)
    assert answers(copy) == answers(engine) and copy.search("带换行")[1][0][0] == "B1"
    engine.build([SearchDoc("B3", "名称\x00带空字符")])
    with pytest.raises(ValueError):
        engine.export()


def test_a_catalog_with_every_item_retired_restarts(session: Session, var_dir: Path, builds: list[int]) -> None:
    codes = _catalog(session)
    admin = f.staff(session, "cat", ["admin"], "区政务服务数据管理局")
    for code in codes.values():
        service.retire(session, admin, code=code, reason="取消")
    session.commit()
    assert searching.rebuild(session) == 0
    _restart()
    assert _search(session, "登记") == [] and len(builds) == 1
