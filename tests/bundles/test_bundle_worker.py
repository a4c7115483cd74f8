"""一件事 through the worker: the outbox delivers every result together once the last case concludes, and the
applicant hears of it once (not once per case)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.bundles import world as bw
from tests.notify import factories as nf
from yiwang.bundles import service as bundles
from yiwang.bundles.models import BundleApplication
from yiwang.cases import service as cases


def test_the_worker_delivers_together_and_tells_the_applicant_once(engine, session: Session) -> None:  # type: ignore[no-untyped-def]
    w = bw.world(session)
    app = bundles.submit(session, w.applicant, bundle_code=bw.BUNDLE, form=bw.FORM,
                         materials=[bundles.MaterialGiven(m["name"], m["file_id"])
                                    for m in bw.materials(session, w.applicant)])
    session.commit()
    market, health, tax = (c.case_no for c in cases.bundle_cases(session, [app.id]))
    bw.conclude(session, w.market, market)
    bw.conclude(session, w.health, health, outcome="deny")
    session.commit()
    nf.drain(engine)
    session.expire_all()
    assert session.get(BundleApplication, app.id).delivered_at is None  # the tax office has not decided
    bw.conclude(session, w.tax, tax)
    session.commit()
    nf.drain(engine)
    session.expire_all()
    assert session.get(BundleApplication, app.id).delivered_at is not None
    assert {c.status for c in cases.bundle_cases(session, [app.id])} == {"delivered"}
    titles = [m.title for m in nf.messages(session, w.applicant.label)]
    assert titles.count("“一件事”申请已提交") == 1
    assert titles.count("“一件事”已全部办结") == 1
    assert "办理结果已送达" not in titles, "no message per case for a delivery made together"
