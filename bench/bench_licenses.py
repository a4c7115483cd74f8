"""License benchmarks on PostgreSQL, each against the raw signature operation measured in the same run:

1. Licenses issued per second through ``licenses.issue`` (number, SM3+SM2 seal signature over the data, render
   the A4 PDF, PAdES-sign it with the seal's P-256 certificate, store, audit, commit), against the raw
   signature operations a license needs: one SM2 seal signature and one P-256 signature.
2. Verifications per second of an uploaded PDF through ``licenses.verify_pdf`` (PAdES check and chain to the
   seal authority, embedded data against the registry, SM2 seal signature, status, logged) and of the QR page
   check (registry and seal signature), against raw SM2 and P-256 verification.

Single process, one core; issuance runs in the outbox worker, so a deployment scales it by worker count.

Usage: python -m bench.bench_licenses [--licenses 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections.abc import Callable

from bench.common import result, scratch_database

os.environ.setdefault("YIWANG_PASSWORD_TIME_COST", "1")
os.environ.setdefault("YIWANG_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("YIWANG_SECRET_KEY", "bench-secret")


def rate(fn: Callable[[int], object], n: int) -> float:
    """Operations per second of ``fn(i)`` over ``n`` calls (after one warm-up call)."""
    fn(-1)
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licenses", type=int, default=24)
    args = parser.parse_args()
    n = args.licenses

    from yiwang.core import fonts
    from yiwang.core.db import get_engine, session_scope
    from yiwang.core.permissions import SYSTEM
    from yiwang.licenses import pdf as license_pdf
    from yiwang.licenses import service as licenses
    from yiwang.org import service as org_service
    from yiwang.seals import crypto
    from yiwang.seals import service as seals

    fonts.font_name()  # cut and register the PDF font before any clock runs
    data = b'{"license":"' + b"x" * 400 + b'"}'
    sm2, p256 = crypto.generate_keypair("sm2"), crypto.generate_keypair("ecdsa-p256")
    sm2_sig, p256_sig = crypto.sign("sm2", sm2.private, data), crypto.sign("ecdsa-p256", p256.private, data)
    raw = {
        "SM2 sign (gmalg, pure Python)": rate(lambda i: crypto.sign("sm2", sm2.private, data), max(10, n // 2)),
        "P-256 sign (cryptography)": rate(lambda i: crypto.sign("ecdsa-p256", p256.private, data), 2000),
        "SM2 verify": rate(lambda i: crypto.verify("sm2", sm2.public, data, sm2_sig), max(10, n // 2)),
        "P-256 verify": rate(lambda i: crypto.verify("ecdsa-p256", p256.public, data, p256_sig), 2000),
    }
    with scratch_database("yiwang_bench_licenses") as url:
        engine = get_engine(url)
        with session_scope(engine) as s:
            org_service.ensure_region(s, SYSTEM, code="440000", name="广东省")
            org_service.ensure_region(s, SYSTEM, code="440100", name="广州市", parent_code="440000")
            org_service.ensure_region(s, SYSTEM, code="440104", name="越秀区", parent_code="440100")
            dept = org_service.ensure_department(s, SYSTEM, name="越秀区市场监督管理局", region_code="440104",
                                                 uscc="11440104MB2C20014K").id
            licenses.add_type(s, SYSTEM, name="食品经营许可证", department_id=dept, validity_years=5)
        fields = [("经营者名称", "广州市越秀区示范餐饮有限公司"), ("经营场所", "广州市越秀区东风中路 318 号首层"),
                  ("主体业态", "餐饮服务经营者"), ("经营项目", "热食类食品制售")]
        issued: list[str] = []

        def issue(i: int) -> None:
            with session_scope(engine) as s:
                lic = licenses.issue(s, SYSTEM, type_ref="食品经营许可证", department_id=dept,
                                     holder=f"enterprise:{i + 2}", holder_kind="enterprise", holder_name="示范餐饮",
                                     holder_code="91440104MA5D000165", fields=fields, case_no=f"BENCH{i + 2:08d}")
                issued.append(lic.license_id)

        issue_rate = rate(issue, n)
        with session_scope(engine) as s:
            pdfs = [licenses.pdf_bytes(s, SYSTEM, lid)[1] for lid in issued[:10]]
            doc = license_pdf.LicenseDocument(
                license_id="x", title="食品经营许可证", identifier="1.2.156", holder_name="示范餐饮",
                holder_code="91440104MA5D000165", fields=fields, valid_from=dt.date(2026, 1, 1),
                valid_until=None, issuer="越秀区市场监督管理局", issued_on=dt.date(2026, 1, 1),
                seal_name="越秀区市场监督管理局", seal_caption="00000001", verify_url="http://127.0.0.1/verify/x")
            seal = seals.ensure_seal(s, dept)
            signer = seals.pdf_signer(s, seal)
            trust = seals.trust_roots(s)
        rendered = license_pdf.render(doc)
        render_rate = rate(lambda i: license_pdf.render(doc), 30)
        pades_rate = rate(lambda i: license_pdf.sign(rendered, key_pem=signer.key_pem, cert_pem=signer.cert_pem,
                                                     chain_pems=signer.chain_pems, attachment=b"{}"), 30)
        inspect_rate = rate(lambda i: license_pdf.inspect(pdfs[i % len(pdfs)], trust_pems=trust), 30)

        def verify(i: int, cold: bool = True) -> None:
            if cold:
                seals.clear_signature_cache()
            with session_scope(engine) as s:
                assert licenses.verify_pdf(s, pdfs[i % len(pdfs)], method="bench", client="bench").valid

        def check_page(i: int, cold: bool = True) -> None:
            if cold:
                seals.clear_signature_cache()
            with session_scope(engine) as s:
                assert licenses.check_registered(s, issued[i % len(issued)], method="bench", client="bench")[0].valid

        verify_rate = rate(verify, max(10, n // 2))
        page_rate = rate(check_page, max(10, n // 2))
        verify_warm = rate(lambda i: verify(i, cold=False), 100)
        page_warm = rate(lambda i: check_page(i, cold=False), 300)

    print("## Raw signature operations (one core)")
    for label, value in raw.items():
        print(f"{label:<40}{value:>10.1f} /s")
    print("\n## Issuance (licenses.issue, PostgreSQL, one process)")
    print(f"{'licenses issued':<40}{issue_rate:>10.1f} /s   ({1000 / issue_rate:.0f} ms each)")
    print(f"{'  of which: render A4 PDF':<40}{render_rate:>10.1f} /s")
    print(f"{'  of which: PAdES sign (pyHanko, P-256)':<40}{pades_rate:>10.1f} /s")
    sm2_sign = raw["SM2 sign (gmalg, pure Python)"]
    print(f"ratio issuance / raw SM2 sign: {issue_rate / sm2_sign:.2f}; "
          f"issuance / raw P-256 sign: {issue_rate / raw['P-256 sign (cryptography)']:.4f}")
    print("\n## Verification")
    print("(cold: the SM2 check runs every time; warm: the same license again, its SM2 result remembered)")
    print(f"{'upload verify (verify_pdf), cold':<40}{verify_rate:>10.1f} /s   ({1000 / verify_rate:.0f} ms each)")
    print(f"{'upload verify (verify_pdf), warm':<40}{verify_warm:>10.1f} /s")
    print(f"{'  of which: PAdES check (pyHanko inspect)':<40}{inspect_rate:>10.1f} /s")
    print(f"{'QR page check (registry + seal), cold':<40}{page_rate:>10.1f} /s")
    print(f"{'QR page check (registry + seal), warm':<40}{page_warm:>10.1f} /s")
    print(f"ratio verify_pdf / raw SM2 verify: {verify_rate / raw['SM2 verify']:.2f}; "
          f"verify_pdf / raw P-256 verify: {verify_rate / raw['P-256 verify']:.4f}")
    result("licenses issued (number, SM2 seal, render, PAdES sign, store)", issue_rate, "/s",
           "raw SM2 sign (gmalg)", sm2_sign)
    result("license PDF verifications (cold)", verify_rate, "/s", "raw SM2 verify (gmalg)", raw["SM2 verify"])
    result("license QR page checks (warm)", page_warm, "/s", "raw SM2 verify (gmalg)", raw["SM2 verify"])


if __name__ == "__main__":
    main()
