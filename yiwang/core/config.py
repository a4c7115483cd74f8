"""Settings read from ``YIWANG_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIWANG_", extra="ignore")

    database_url: str = "sqlite:///var/yiwang.db"
    data_dir: Path = Path("var/files")
    var_dir: Path = Path("var")
    secret_key: str = ""
    timezone: str = "Asia/Shanghai"
    # The deployment's own region (行政区划): departments created without a region land here.
    home_region_code: str = "440000"
    home_region_name: str = "广东省"
    # Web sessions and API tokens.
    session_hours: int = 12
    token_hours: int = 24
    # Secure cookies (with the __Host- prefix): auto = when the request came over https (see trusted_proxies),
    # true = always, false = never.
    cookie_secure: str = "auto"
    # Argon2id cost (OWASP minimum: t=2, m=19 MiB; we default higher). Tests lower it.
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    # Login throttling: this many failures within the window lock the username for lock_minutes.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lock_minutes: int = 15
    # Uploads.
    max_upload_bytes: int = 20 * 1024 * 1024
    allowed_upload_types: list[str] = Field(
        default_factory=lambda: [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/ofd",
        ]
    )
    # Outbox delivery.
    outbox_max_attempts: int = 8
    outbox_batch: int = 100
    # Number of independent audit hash chains (records are spread by object); 1 = one global chain.
    audit_chains: int = 1
    # Case numbers: region (6 digits) + date + a sequence per region and day; never reused.
    case_no_format: str = "{region}{date:%Y%m%d}{seq:06d}"
    # 一件事 application numbers: this prefix + a case number of the application's first item's region
    bundle_no_prefix: str = "YJS"
    # A clock turns yellow this many working days before its due date (电子监察 default: 1).
    warn_working_days: int = 1
    # Office hours (local time) for "immediate" items received late.
    office_close_hour: int = 17
    # Upper bound for in-process caches of rarely changing reference data (department names, item specs).
    cache_seconds: float = 60.0
    # How long a process trusts what a token named (identity.actor_cache); 0 turns the cache off. A logout or a
    # staff change is seen at once by every worker of the installation, by other hosts within this time.
    auth_cache_seconds: float = 10.0
    # `yiwang serve --workers N` (N > 1) builds the app and loads the catalog index once, then forks the workers
    # from that process (they share the index's memory); false starts each worker as a fresh interpreter.
    fork_workers: bool = True
    # How often a process's search index asks the database whether the catalog changed.
    search_refresh_seconds: float = 1.0
    # Build the search index when a web worker starts rather than on its first search.
    search_warm_on_start: bool = True
    # Keep the analysed search index on disk (var_dir/search) so that a restart loads it in seconds instead of
    # analysing the whole catalog again (about a minute per 100,000 items).
    search_snapshot: bool = True
    # Run the outbox worker inside `yiwang serve` (single-machine deployments).
    embedded_worker: bool = True
    # Where the cut PDF font is cached (default: var_dir/fonts); cutting it takes ~40 s once per machine.
    font_cache_dir: Path | None = None
    # The address people reach this deployment at: printed in license QR codes and share links.
    public_url: str = "http://127.0.0.1:8000"
    # Electronic seals: the seal-signature algorithm of newly made seals (sm2 | ecdsa-p256 | ed25519) and
    # how long a seal and its certificate stay valid.
    seal_algorithm: str = "sm2"
    seal_years: int = 5
    # Shared license verification links live this many days at most.
    license_share_max_days: int = 30
    # Evaluation (好差评): a rating may be changed this many days after it was given; a bad review (4–5)
    # opens a rectification due this many working days later (1–3 by the national rules).
    evaluation_change_days: int = 7
    rectify_working_days: int = 3
    # 告知承诺: working days the deciding department has to check a pledged, approved case afterwards (an item may
    # set its own as ``pledge_check_days`` in its version's extra), and how many calendar days a false pledge's
    # credit record stands (barring pledges for that item type meanwhile)
    pledge_check_days: int = 20
    pledge_bar_days: int = 365
    # Supervision: how many correction notices on one case raise a card; how often the worker ticks.
    supervision_correction_limit: int = 2
    supervision_tick_minutes: int = 60
    # Notifications: SMS and e-mail backends (none | console | file | smtp for e-mail); the file backends
    # append to files under notify_dir; SMTP settings for the real e-mail backend.
    sms_backend: str = "console"
    email_backend: str = "console"
    notify_dir: Path = Path("var/notify")
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "noreply@yiwang.local"
    smtp_starttls: bool = False
    # Security hardening (request limits, response headers, audit keying). Request bodies are refused with
    # 413 before they are read when larger than the limit of their route class: JSON, plain forms, license
    # verification uploads, and multipart forms carrying several files (applications, intake, catalog import);
    # a single-file upload route allows max_upload_bytes plus the multipart framing.
    max_json_bytes: int = 1024 * 1024
    max_form_bytes: int = 1024 * 1024
    max_verify_bytes: int = 10 * 1024 * 1024
    max_multipart_bytes: int = 100 * 1024 * 1024
    # Strict-Transport-Security max-age (0 = no header; set it only when the site is served over HTTPS).
    hsts_seconds: int = 0
    # Serve the interactive API documentation (/api/docs) and /api/v1/openapi.json (off in production).
    api_docs: bool = False
    # The audit chain's HMAC key (outside the database); empty = one generated once into var_dir/audit_key.
    audit_key: str = ""
    # Where `yiwang audit checkpoint` writes signed checkpoints of the chain heads (default var_dir/audit-checkpoints).
    audit_checkpoint_dir: Path | None = None
    # The outbox worker writes such a checkpoint this often (hours; 0 = only by hand).
    audit_checkpoint_hours: float = 24.0

    # separation of duties: which cases may not be handled and decided by the same person —
    # licensing (items whose result is a licence), all, or off; 一人多岗 departments are exempt
    separation_of_duties: Literal["licensing", "all", "off"] = "licensing"
    # holiday calendar imports: a year with a longer run of days off (weekends included), or more weekdays
    # off, is refused unless the deployment-level administrator forces it
    calendar_max_days_off_run: int = 12
    calendar_max_weekdays_off: int = 25
    # --- authentication hardening (security: throttling, verified phones, proxies, public limits) ---
    # Reverse proxies (comma list of IPs or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed;
    # empty: no forwarded header is believed, the client is the connecting address.
    trusted_proxies: str = ""
    # Phone verification by SMS code: a code lives this many minutes, survives this many wrong entries,
    # and one phone receives at most this many codes an hour.
    phone_code_minutes: int = 10
    phone_code_max_attempts: int = 5
    phone_codes_per_hour: int = 5
    # The public progress query (办件查询): lookups per client an hour, failed lookups per case number an hour.
    progress_per_client_hour: int = 60
    progress_per_case_hour: int = 10
    # Registration attempts per client an hour.
    register_per_client_hour: int = 10

    # deferred materials (容缺后补): the working days after acceptance within which the applicant supplies them,
    # and how many working days before that date the one reminder goes out
    supplement_working_days: int = 5
    supplement_remind_days: int = 2
    # Catalog import while serving (SQLite): how long a writer waits for the database's write lock, and the
    # longest an import holds it before committing what it has done (it also commits every 200 records).
    sqlite_busy_timeout_ms: int = 30_000
    import_commit_seconds: float = 1.0

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once into var/secret_key."""
        if self.secret_key:
            return self.secret_key
        return key_file(self.var_dir / "secret_key")

    def resolved_audit_key(self) -> bytes:
        """The audit chain's HMAC key: configured, or one generated once into var/audit_key (never the database)."""
        if self.audit_key:
            return self.audit_key.encode()
        return key_file(self.var_dir / "audit_key").encode()

    def resolved_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.var_dir / "audit-checkpoints"


def key_file(path: Path) -> str:
    """Read a generated key from ``path``, creating it first if missing: the file is written 0600 under a
    temporary name and linked into place, so it is never readable by others, never seen half-written, and
    two processes starting at once agree on one key."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process won the race: use its key
            return path.read_text().strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
