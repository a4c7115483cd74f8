"""Run every benchmark and write docs/benchmarks.md (`make bench`).

Each benchmark measures its own baseline in the same run and prints the ratio; this runner collects
their output, with the machine and the time, into one Markdown page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time

from bench.common import RESULT_PREFIX, ROOT

BENCHMARKS = [
    ("Search quality (labelled queries, engine vs plain BM25)", ["bench.search_quality"]),
    ("Search latency in-process, 100,000 items (engine vs plain BM25)", ["bench.bench_search"]),
    ("Search through HTTP, 100,000 items on PostgreSQL (vs a bare endpoint)",
     ["bench.bench_search_http", "--requests", "1000"]),
    ("Cases on PostgreSQL: submissions through HTTP (vs raw INSERT+COMMIT) and the workbench list over "
     "1,000,000 cases (vs a bare indexed count)", ["bench.bench_cases", "--seconds", "8", "--requests", "200"]),
    ("Licenses: issuance and verification (vs the raw signature operations)", ["bench.bench_licenses"]),
    ("Supervision tick over 1,000,000 open cases on PostgreSQL (vs a bare indexed count)",
     ["bench.bench_supervision"]),
    ("Joint approval (并联审批) on PostgreSQL: accept + approve of a joint case vs a plain case of the same item",
     ["bench.bench_joint"]),
    ("一件事 on PostgreSQL: a bundle application of 5 items vs one case submission", ["bench.bench_bundles"]),
    ("Service hall on PostgreSQL: 50 windows calling concurrently over a 5,000-ticket day (vs a bare SKIP LOCKED "
     "queue)", ["bench.bench_hall"]),
    ("12345 routing quality (labelled requests, held-out third; router vs keyword-only baseline)",
     ["bench.hotline_routing"]),
    ("12345 work orders through HTTP on PostgreSQL: register + route + dispatch, and dispatch (vs a bare endpoint)",
     ["bench.bench_hotline", "--requests", "300"]),
    ("Indicators on PostgreSQL over 10,000,000 cases, 1,000,000 ratings and 1,000,000 hotline orders: the nightly "
     "compute of one month (vs bare count … group by) and the indicator queries and the screen through HTTP (vs a "
     "bare endpoint)", ["bench.bench_indicators"]),
]


def _figure(value: object, unit: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}" if abs(number) < 1 else f"{number:.1f}"
    return f"{text} {unit}".strip()


def summary(results: list[dict[str, object]]) -> list[str]:
    """The headline figures of every benchmark, each beside its baseline from the same run."""
    lines = ["## Summary", "",
             "| measure | figure | baseline (same run) | baseline figure | ratio | target | met |",
             "|---|---:|---|---:|---:|---|---|"]
    for r in results:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]  # type: ignore[index]
        lines.append(f"| {r['measure']} | {_figure(r['value'], r['unit'])} | {r['baseline']} | "
                     f"{_figure(r['baseline_value'], r['unit'])} | {float(r['ratio']):.2f} | "  # type: ignore[arg-type]
                     f"{r['target']} | {met} |")
    return lines + [""]


def main() -> None:
    started = time.perf_counter()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor())
    parts = [
        "# Benchmarks",
        "",
        f"Run by `make bench` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} vCPU ({cpu}), "
        f"Python {platform.python_version()}. Each benchmark measures its own baseline in the same run: "
        "figures drift ±20–40% between runs on this shared machine, ratios much less.",
        "",
    ]
    failed = False
    results: list[dict[str, object]] = []
    sections: list[str] = []
    for title, argv in BENCHMARKS:
        t0 = time.perf_counter()
        print(f"== {title}", flush=True)
        proc = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        results += [json.loads(line[len(RESULT_PREFIX):]) for line in lines if line.startswith(RESULT_PREFIX)]
        output = "\n".join(line for line in lines if not line.startswith(RESULT_PREFIX))
        print(output, flush=True)
        sections += [f"## {title}", "", f"`python -m {' '.join(argv)}` ({time.perf_counter() - t0:.0f} s)", ""]
        if proc.returncode != 0:
            failed = True
            sections += ["**failed:**", "", "```", proc.stderr.strip()[-3000:], "```", ""]
        else:
            sections += ["```", output, "```", ""]
    parts += summary(results) + sections
    parts.append(f"Total time: {time.perf_counter() - started:.0f} s.")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote docs/benchmarks.md in {time.perf_counter() - started:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
