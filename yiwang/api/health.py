from __future__ import annotations

from fastapi import APIRouter

from yiwang import __version__

router = APIRouter(tags=["运行状态"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: answers without touching the database (load balancers, benchmarks' baseline)."""
    return {"status": "ok", "version": __version__}
