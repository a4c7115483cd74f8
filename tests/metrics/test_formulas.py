"""Every computed indicator against a figure worked out by hand on the fixed data set of :mod:`tests.metrics.dataset`
(March 2026), and the region levels reconciling: a county's numerator and denominator are its townships' plus its
own departments'."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.licenses import factories as lf
from tests.metrics import dataset as ds
from tests.metrics.dataset import COUNTY, T1, T2, at
from yiwang.core import clock
from yiwang.core.permissions import SYSTEM
from yiwang.metrics import service as metrics
from yiwang.metrics.indicators import INDICATORS
from yiwang.metrics.models import DailyCount, MonthlyCount


def _records(session: Session) -> ds.Data:
    d = ds.build(session)
    c = {}
    c[1] = ds.case(session, d, "I1", submitted=at("2026-03-02"), accepted=at("2026-03-02", 11),
                   concluded=at("2026-03-05"), on_time=True, outcome="approved")
    c[2] = ds.case(session, d, "I1", submitted=at("2026-03-03"), accepted=at("2026-03-03", 11),
                   concluded=at("2026-03-10"), on_time=True, outcome="approved", channel="window")
    # approved without ever being accepted: 办件异常
    c[3] = ds.case(session, d, "I1", submitted=at("2026-03-04"), concluded=at("2026-03-04", 15), on_time=True,
                   outcome="approved")
    c[4] = ds.case(session, d, "I1", submitted=at("2026-03-20"), accepted=at("2026-03-20", 11))
    # concluded late: 办件异常
    c[5] = ds.case(session, d, "I2", submitted=at("2026-03-02"), accepted=at("2026-03-02", 11),
                   concluded=at("2026-03-25"), on_time=False, outcome="approved")
    c[6] = ds.case(session, d, "I2", submitted=at("2026-03-05"), accepted=at("2026-03-05", 11),
                   concluded=at("2026-03-06"), on_time=True, outcome="denied", channel="window")
    c[7] = ds.case(session, d, "I2", submitted=at("2026-03-30"))
    c[8] = ds.case(session, d, "I3", submitted=at("2026-03-10"), accepted=at("2026-03-10", 11),
                   concluded=at("2026-03-12"), on_time=True, outcome="approved", channel="proxy")
    # submitted in the last half hour of March (local time), accepted in April
    c[9] = ds.case(session, d, "I3", submitted=at("2026-03-31", 23, 30), accepted=at("2026-04-01", 9),
                   channel="window")
    # submitted in February, concluded in March; submitted in April: neither counts as submitted in March
    c[10] = ds.case(session, d, "I1", submitted=at("2026-02-27"), accepted=at("2026-02-27", 11),
                    concluded=at("2026-03-02"), on_time=True, outcome="approved")
    ds.case(session, d, "I2", submitted=at("2026-04-01", 0, 10))

    ds.rating(session, d, c[1], when=at("2026-03-06"), level=1)
    ds.rating(session, d, c[5], when=at("2026-03-26"), level=5, deadline="2026-03-30", rectified=at("2026-03-27"))
    ds.rating(session, d, c[6], when=at("2026-03-07"), level=2)
    ds.rating(session, d, c[2], when=at("2026-03-11"), level=4, deadline="2026-03-14", rectified=at("2026-03-18"))
    # an appeal upheld: out of every figure, its rectification too
    ds.rating(session, d, c[8], when=at("2026-03-13"), level=5, excluded=True)
    ds.rating(session, d, c[10], when=at("2026-02-28"), level=4, deadline="2026-03-04", rectified=at("2026-03-10"))

    ds.ticket(session, region=T1, department_id=d.t1_dept, channel="phone", created=at("2026-03-01"),
              answered=at("2026-03-03"), on_time=True, closed=at("2026-03-05"), satisfaction="satisfied")
    ds.ticket(session, region=COUNTY, department_id=d.county_dept, channel="web", created=at("2026-03-02"),
              answered=at("2026-03-10"), on_time=False, closed=at("2026-03-12"), satisfaction="dissatisfied")
    ds.ticket(session, region=T2, department_id=d.t2_dept, channel="board", created=at("2026-03-03"),
              answered=at("2026-03-04"), on_time=True)
    # answered, then sent back at review: the answer does not stand
    ds.ticket(session, region=COUNTY, department_id=d.county_dept, channel="phone", created=at("2026-03-05"),
              answered=at("2026-03-06"), on_time=True, status="in_progress")
    ds.ticket(session, region=COUNTY, department_id=d.county_dept, channel="enterprise", created=at("2026-03-07"),
              answered=at("2026-03-08"), on_time=True, closed=at("2026-03-09"), satisfaction="basically")
    ds.ticket(session, region=T1, department_id=d.t1_dept, channel="forwarded", created=at("2026-03-08"),
              answered=at("2026-04-02"), on_time=True)

    ds.person(session, COUNTY, created=at("2026-01-10"), verified=True, signed_in=at("2026-03-15"))
    ds.person(session, COUNTY, created=at("2026-03-20"), verified=False, signed_in=at("2026-02-15"))
    ds.person(session, COUNTY, created=at("2026-02-01"), verified=True)
    ds.person(session, COUNTY, created=at("2026-04-02"), verified=True)  # registered in April
    ds.person(session, "440103", created=at("2026-02-01"), verified=True)  # another district's resident
    ds.enterprise(session, COUNTY, created=at("2026-02-01"), complete=True)
    ds.enterprise(session, COUNTY, created=at("2026-03-03"), complete=False)
    metrics.set_baseline(session, SYSTEM, region_code=COUNTY, key="population", value=1000)
    metrics.set_baseline(session, SYSTEM, region_code=COUNTY, key="enterprises", value=200)
    return d


@pytest.fixture()
def data(session: Session) -> ds.Data:
    d = _records(session)
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, ds.PERIOD)
    return d


def _table(session: Session, region: str | None = COUNTY, department: int | None = None,
           period: str = ds.PERIOD) -> dict[str, dict]:
    with clock.frozen(ds.NOW):
        out = metrics.indicator_table(session, SYSTEM, period=period, region_code=region, department=department)
    return {item["code"]: item for item in out["items"]}


def test_case_volume_anomalies_and_online_share(session: Session, data: ds.Data) -> None:
    t = _table(session)
    # 26: submitted in March — c1–c9 (c9 at 23:30 local on the 31st); not February's c10 nor April's
    assert (t["26"]["value"], t["26"]["numerator"], t["26"]["denominator"]) == (9, 9, None)
    # 36: concluded in March and late (c5) or approved without acceptance (c3)
    assert t["36"]["value"] == 2 and t["36"]["met"] is False
    assert _table(session, T1)["36"]["value"] == 1 and _table(session, T2)["36"]["value"] == 0
    assert _table(session, T2)["36"]["met"] is True


def test_catalog_indicators(session: Session, data: ds.Data) -> None:
    t = _table(session)
    # 4 items in use: depth 4, 3, 2, 1
    assert (t["10"]["numerator"], t["10"]["denominator"], t["10"]["value"]) == (2, 4, 50.0)
    assert (t["11"]["numerator"], t["11"]["denominator"], t["11"]["value"]) == (1, 4, 25.0)
    assert t["11"]["met"] is False and t["11"]["target"] == 98.0
    # in the hall: I1, I3, I4
    assert (t["34"]["numerator"], t["34"]["value"]) == (3, 75.0)
    # an e-form: I1 only
    assert (t["35"]["numerator"], t["35"]["value"]) == (1, 25.0)
    # (20−5) + (10−10) + (15−3) over 20 + 10 + 15; I4's limits are in different units
    assert (t["5"]["numerator"], t["5"]["denominator"], t["5"]["value"]) == (27, 45, 60.0)
    # items with cases in March: I1, I2, I3 of 4; items rated in March: I1, I2 (I3's only rating was excluded)
    assert (t["27"]["numerator"], t["27"]["denominator"], t["27"]["value"]) == (3, 4, 75.0)
    assert (t["28"]["numerator"], t["28"]["denominator"], t["28"]["value"]) == (2, 4, 50.0)
    # no blank forms anywhere: 样表完成性 has nothing to count
    assert t["24"]["value"] is None and t["24"]["denominator"] == 0


def test_ratings_and_rectification(session: Session, data: ds.Data) -> None:
    # 1: county — c5's task answered by its deadline, c2's four days late; c8's rating excluded, c10's in February
    t = _table(session)
    assert (t["1"]["numerator"], t["1"]["denominator"], t["1"]["value"], t["1"]["met"]) == (1, 2, 50.0, False)
    assert _table(session, T1)["1"]["value"] == 100.0
    assert _table(session, T2)["1"]["value"] is None  # its only bad review was taken out on appeal


def test_hotline_indicators(session: Session, data: ds.Data) -> None:
    t = _table(session)
    # 39/41: phone and web answered in March with a standing answer: h1 (on time), h2 (late); h4's was sent back
    assert (t["39"]["numerator"], t["39"]["denominator"], t["39"]["value"]) == (1, 2, 50.0)
    assert (t["41"]["numerator"], t["41"]["denominator"], t["41"]["value"]) == (1, 2, 50.0)
    # 42: the board's h3 answered on time; 43: nobody called back on the board
    assert t["42"]["value"] == 100.0 and t["43"]["value"] is None
    # 44: the forwarded message was answered in April
    assert t["44"]["denominator"] == 0 and t["44"]["value"] is None
    # 45: the enterprise request answered on time
    assert (t["45"]["numerator"], t["45"]["denominator"]) == (1, 1)
    assert _table(session, T1)["39"]["value"] == 100.0


def test_accounts_against_population(session: Session, data: ds.Data) -> None:
    t = _table(session)
    # 3 persons of 440104 registered by the end of March (one registered in April; one of 440103)
    assert (t["2"]["numerator"], t["2"]["denominator"], t["2"]["value"]) == (3, 1000, 0.3)
    assert (t["2.2"]["numerator"], t["2.2"]["denominator"], t["2.2"]["value"]) == (2, 3, 66.67)
    assert (t["3"]["numerator"], t["3"]["denominator"], t["3"]["value"]) == (2, 200, 1.0)
    assert (t["3.2"]["numerator"], t["3.2"]["value"]) == (1, 50.0)
    # 4: one of the five accounts signed in during March (the other sign-in was in February)
    assert (t["4"]["numerator"], t["4"]["denominator"], t["4"]["value"], t["4"]["met"]) == (1, 5, 20.0, True)
    # accounts cannot be placed in a township, nor split by department
    assert _table(session, T1)["2.2"]["value"] is None
    assert _table(session, COUNTY, data.county_dept)["4"]["value"] is None


def test_every_level_reconciles(session: Session, data: ds.Data) -> None:
    """A county's numerator and denominator equal its two townships' plus its own department's, indicator by
    indicator (the county's records all belong to that department)."""
    county, one, two = _table(session), _table(session, T1), _table(session, T2)
    own = _table(session, COUNTY, data.county_dept)
    # the parts, counted by hand from the records (not from the aggregates): submitted in March — T1 c5–c7,
    # T2 c8–c9, the county's department c1–c4; concluded — T1 c5, c6; T2 c8; county c1, c2, c3, c10
    assert [t["26"]["value"] for t in (one, two, own, county)] == [3, 2, 4, 9]
    assert [t["27"]["numerator"] for t in (one, two, own)] == [1, 1, 1]
    assert [t["39"]["denominator"] for t in (one, two, own)] == [1, 0, 1]
    assert [t["1"]["denominator"] for t in (one, two, own)] == [1, 0, 1]
    checked = 0
    for i in INDICATORS:
        if not i.computable or not i.department_level or i.kind == "per_capita":
            continue
        for part in ("numerator", "denominator"):
            if county[i.code][part] is None:
                continue
            parts = [t[i.code][part] or 0 for t in (one, two, own)]
            assert county[i.code][part] == sum(parts), (i.code, part, county[i.code][part], parts)
            checked += 1
    assert checked > 30


def test_compute_is_idempotent(session: Session, data: ds.Data) -> None:
    def rows() -> tuple[list, list]:
        return (sorted(session.execute(select(DailyCount.day, DailyCount.key, DailyCount.region_code,
                                              DailyCount.department_id, DailyCount.value)).all()),
                sorted(session.execute(select(MonthlyCount.period, MonthlyCount.key, MonthlyCount.region_code,
                                              MonthlyCount.department_id, MonthlyCount.value)).all()))

    before = rows()
    assert before[0] and before[1]
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, ds.PERIOD)
    assert rows() == before


def test_licences(session: Session) -> None:
    """13 电子证照归集率, 14 per person, 15 签章率, 16 growth: two of three approved licence cases issued."""
    w = lf.world(session)
    lf.add_type(session)
    lf.issued(session, w)
    lf.issued(session, w)
    lf.approved_case(session, w)  # approved on 2 March, its licence not issued
    metrics.set_baseline(session, SYSTEM, region_code=COUNTY, key="population", value=4)
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, ds.PERIOD)
        metrics.compute(session, SYSTEM, "2026-04")
    t = _table(session)
    assert (t["13"]["numerator"], t["13"]["denominator"]) == (2, 3)
    assert (t["15"]["numerator"], t["15"]["denominator"], t["15"]["value"]) == (2, 2, 100.0)
    assert (t["14"]["numerator"], t["14"]["value"]) == (2, 0.5)
    assert t["16"]["value"] is None  # nothing sealed in February to grow from
    assert t["33"]["value"] == 1  # the issuing department's electronic seal, made for the first licence
    april = _table(session, period="2026-04")
    assert (april["16"]["numerator"], april["16"]["denominator"], april["16"]["value"]) == (-2, 2, -100.0)
    assert april["14"]["numerator"] == 2  # still held at the end of April


def test_revoked_licence_is_no_longer_held(session: Session) -> None:
    from yiwang.licenses import service as licenses

    w = lf.world(session)
    lf.add_type(session)
    _, license_id = lf.issued(session, w)
    with clock.frozen(at("2026-03-20")):
        licenses.change_status(session, w.approver, license_id, action="revoke", reason="申请人以欺骗手段取得许可")
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, ds.PERIOD)
    assert _table(session)["14"]["numerator"] == 0
    assert _table(session)["15"]["numerator"] == 1  # it was issued (and sealed) in March all the same



def test_bundle_coverage_hall_kiosk_and_knowledge(session: Session) -> None:
    """12 一件事 coverage, 25 kiosk use, 40 knowledge accuracy and 23 guide detail, each worked out by hand."""
    from yiwang.catalog import bundles as bundle_catalog
    from yiwang.hall.models import Hall, Ticket
    from yiwang.hotline.models import KnowledgeEntry

    d = ds.build(session)
    bundle_catalog.import_bundle(session, SYSTEM, bundle_catalog.BundleIn(
        kind="bundle", code="YJS-TEST", name="测试一件事", items=[d.items["I1"], d.items["I2"]], audience="person"))
    # cases of the bundle's items: c1 through a 一件事 application, c2 and c3 filed alone; I3 is not in the bundle
    ds.case(session, d, "I1", submitted=at("2026-03-02"), bundle=1)
    ds.case(session, d, "I1", submitted=at("2026-03-03"))
    ds.case(session, d, "I2", submitted=at("2026-03-04"))
    ds.case(session, d, "I3", submitted=at("2026-03-05"))
    # the county hall: 4 tickets in March, 1 of them at the kiosk; 1 in April
    hall = Hall(code="H1", name="区政务服务中心", region_code=COUNTY, created_at=at("2026-01-01"),
                updated_at=at("2026-01-01"))
    session.add(hall)
    session.flush()
    for n, (day, source) in enumerate([("2026-03-02", "kiosk"), ("2026-03-02", "desk"), ("2026-03-03", "phone"),
                                       ("2026-03-31", "appointment"), ("2026-04-01", "kiosk")], 1):
        taken = at(day, 9)
        session.add(Ticket(hall_id=hall.id, day=dt.date.fromisoformat(day), seq=n, ticket_no=f"A{n:03d}",
                           window_type="综合", source=source, status="done", taken_at=taken, queued_at=taken,
                           last_action_at=taken))
    # the knowledge base: 3 answers in use, one past its review date at the end of March, one retired
    for n, (due, status) in enumerate([("2026-06-30", "active"), ("2026-03-15", "active"),
                                       ("2026-05-01", "active"), ("2026-05-01", "retired")], 1):
        session.add(KnowledgeEntry(code=f"K{n}", title="答复", topic="测试", answer="答复口径", keywords="",
                                   department_id=d.t1_dept, region_code=T1, item_codes=[], policies=[],
                                   status=status, review_due=dt.date.fromisoformat(due), updated_by="system",
                                   created_at=at("2026-02-01"), updated_at=at("2026-02-01")))
    session.flush()
    with clock.frozen(ds.NOW):
        metrics.compute(session, SYSTEM, ds.PERIOD)
    t = _table(session)
    assert (t["12"]["numerator"], t["12"]["denominator"], t["12"]["value"]) == (1, 3, 33.33)
    assert (t["25"]["numerator"], t["25"]["denominator"], t["25"]["value"]) == (1, 4, 25.0)
    assert (t["40"]["numerator"], t["40"]["denominator"], t["40"]["value"]) == (2, 3, 66.67)
    assert _table(session, T2)["40"]["denominator"] == 0
    # conditions and legal basis are in every guide; only I1's process has 20 characters or more
    assert (t["23"]["numerator"], t["23"]["denominator"]) == (1, 4)
