"""All settings, read from the environment (prefix ``PEERPEAR_``) and an optional ``.env`` file."""

from __future__ import annotations

import importlib.util
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger("peerpear.config")

DEFAULT_SECRET_KEY = "dev-insecure-change-me"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./peerpear.db"

# Variables that once configured something and no longer do, with what replaced them. Unknown
# variables are otherwise ignored, and an operator who set one of these would believe a security
# limit applies that does not: refuse to start instead, naming the replacement.
RETIRED_VARIABLES = {
    "PEERPEAR_LOGIN_MAX_FAILURES": (
        "sign-in is now throttled per network: PEERPEAR_LOGIN_MAX_FAILURES_PER_NETWORK and "
        "PEERPEAR_LOGIN_MAX_NETWORKS_PER_ACCOUNT (README, Settings)"
    ),
    "PEERPEAR_LOGIN_MAX_FAILURES_PER_ACCOUNT": (
        "the account ceiling now counts networks: PEERPEAR_LOGIN_MAX_NETWORKS_PER_ACCOUNT"
    ),
}


class Settings(BaseSettings):
    """PeerPear's configuration. Every field is documented in README.md and `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="PEERPEAR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    database_url: str = DEFAULT_DATABASE_URL
    database_echo: bool = False
    # Apply pending migrations when `peerpear serve` starts. Unset means: on for the embedded
    # SQLite default, off for PostgreSQL, where operators run `peerpear db upgrade` once per deploy
    # instead of letting many API processes race to migrate.
    auto_migrate: bool | None = None
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    # Connections each server process keeps open, and how many more it may open (and close
    # again) at peaks; requests beyond that wait for a free connection.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    # How long a request waits for a free connection before answering 503 with Retry-After.
    database_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["plain", "json"] = "plain"
    cors_origins: list[str] = Field(default_factory=list)
    # Largest request body accepted (413 above it): JSON and other bodies, and multipart uploads
    # (event images, CSV imports).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Event images: where they are stored (local disk), the largest file accepted (413 above),
    # and the most pixels one may decode to (a small file can expand to gigabytes of pixels).
    media_dir: Path = Path("./media")
    max_image_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=25_000_000, ge=1, le=80_000_000)
    # How often the server closes open events whose registration deadline has passed (they are
    # also closed whenever they are read); 0 turns the periodic check off.
    deadline_check_seconds: float = Field(default=60.0, ge=0)
    # Background jobs (pairing runs, periodic work): "inprocess" runs them in the server (the
    # engine in a child process), "procrastinate" queues them in PostgreSQL for `peerpear
    # worker` processes; "auto" picks procrastinate on PostgreSQL and inprocess on SQLite.
    jobs_backend: Literal["auto", "inprocess", "procrastinate"] = "auto"
    # Pairing runs one server process (inprocess) or one worker (procrastinate) runs at once.
    job_concurrency: int = Field(default=1, ge=1, le=64)
    # How often runs whose worker died are looked for and queued again; 0 turns it off.
    run_recovery_seconds: float = Field(default=30.0, ge=0)
    # The LLM (llm/): "offline" (no model: deterministic fallbacks, the local embedder),
    # "gemini" (google-genai) or "openai" (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM;
    # llm_base_url names it). The model for structured output, the one for embeddings (empty:
    # the local embedder), the key, a timeout per attempt, and how many calls run at once.
    llm_provider: Literal["offline", "gemini", "openai"] = "offline"
    llm_model: str = ""
    llm_embedding_model: str = ""
    llm_api_key: str = ""
    llm_base_url: str = ""
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_concurrency: int = Field(default=4, ge=1, le=256)
    llm_max_attempts: int = Field(default=4, ge=1, le=10)
    # Free-text answers in the pairing (text_embedding.py): "auto" embeds them with the semantic
    # model when the `semantic` extra is installed, else with TF-IDF (shared words only);
    # "semantic" refuses to start without the extra; "tfidf" never uses it. The semantic vectors
    # are cached between runs in a SQLite file in embedding_cache_dir (unset: the user's cache
    # folder, $XDG_CACHE_HOME/peerpear or ~/.cache/peerpear), unless embedding_cache is false.
    text_embedder: Literal["auto", "semantic", "tfidf"] = "auto"
    embedding_cache: bool = True
    embedding_cache_dir: Path | None = None
    # Serve the interactive API docs (/docs, /redoc) and the schema (/openapi.json).
    api_docs: bool = True
    # Accounts and organizations
    allow_org_creation: bool = True
    allow_local_accounts: bool = True
    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    min_password_length: int = Field(default=10, ge=8)
    # Sign-in throttling (peerpear.auth.throttle). A client is counted by its host (an IPv4
    # address, an IPv6 /64) and its site (an IPv4 /24, an IPv6 /48). One account from one host:
    # this many failures are free, then each further attempt waits twice as long as the one
    # before, up to the cap. The owner at another host is not slowed by a guesser's failures.
    login_failures_before_delay: int = Field(default=3, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    # Ceilings within a window of login_lockout_seconds, which then block for as long: one
    # account from one site (that site only, for that account only); one account from this many
    # different sites (each site counted once: this is the one that locks the owner out too, so
    # it takes many networks to reach); one host across accounts (many people can share one
    # IPv4 address behind a NAT).
    login_max_failures_per_network: int = Field(default=10, ge=1)
    login_max_networks_per_account: int = Field(default=50, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_lockout_seconds: int = Field(default=300, ge=1)
    # Sign-ups per client address within a window (a whole class may sign up behind one NAT).
    signup_max_per_address: int = Field(default=20, ge=1)
    signup_window_seconds: int = Field(default=600, ge=1)
    # Joins with an invite code (POST /organizations/join): attempts with a code that does not
    # work (unknown, revoked, expired, used up) per account and per client host within the
    # window, which then block for as long. Codes are unguessable anyway; this stops scanning.
    invite_join_max_failures_per_account: int = Field(default=10, ge=1)
    invite_join_max_failures_per_address: int = Field(default=50, ge=1)
    invite_join_window_seconds: int = Field(default=900, ge=1)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto uvicorn believes (comma-separated
    # addresses or networks); the per-address sign-in limits count the client they name. "*"
    # is refused in production and warned about elsewhere (see below).
    trusted_proxies: str = "127.0.0.1"
    # Account emails (auth/account.py). Whether an unverified local account may join
    # organizations and register for events: unset means required in production, not in
    # development and test. How long a verification link and a password-reset link work.
    # Password-reset requests per address and per client host within an hour (then 429).
    require_verified_email: bool | None = None
    verify_email_ttl_hours: int = Field(default=48, ge=1, le=24 * 30)
    password_reset_ttl_minutes: int = Field(default=60, ge=5, le=24 * 60)
    password_reset_max_per_email: int = Field(default=5, ge=1)
    password_reset_max_per_address: int = Field(default=30, ge=1)
    # Where the links in emails point: the console's address as people reach it.
    public_url: str = "http://127.0.0.1:8000"
    # Outgoing email (mail/). With smtp_host empty every message is written to mail_outbox_dir
    # as an .eml file and logged, instead of sent (the embedded default). smtp_tls: "none",
    # "starttls" (upgrade on the plain port, usually 587) or "tls" (implicit TLS, usually 465).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_sender: str = "PeerPear <peerpear@localhost>"
    mail_outbox_dir: Path = Path("./mail-outbox")
    # A message refused for now (SMTP 4xx, no connection, a timeout) is tried again after
    # mail_retry_seconds, doubling each time (at most an hour), mail_max_attempts times in
    # all; then it is recorded as failed. How often queued messages are looked for (retries,
    # and messages whose job was lost); 0 turns the pass off.
    mail_max_attempts: int = Field(default=6, ge=1, le=20)
    mail_retry_seconds: float = Field(default=60.0, ge=0)
    mail_check_seconds: float = Field(default=30.0, ge=0)
    # Reminders (mail/reminders.py): students whose questionnaire is unfinished get one this
    # many hours before the deadline; how often due events are looked for (0: never).
    reminder_hours_before_deadline: float = Field(default=48.0, gt=0, le=24 * 60)
    reminder_check_seconds: float = Field(default=300.0, ge=0)
    # CAS single sign-on (disabled while cas_server_url is empty)
    cas_server_url: str = ""
    cas_service_url: str = "http://127.0.0.1:8000/api/v1/auth/cas/callback"
    cas_email_domain: str = "example.edu"
    cas_version: Literal["2", "3"] = "3"

    @model_validator(mode="after")
    def _secret_required_outside_development(self) -> Settings:
        if self.environment != "development" and self.secret_key in ("", DEFAULT_SECRET_KEY):
            raise ValueError(
                "PEERPEAR_SECRET_KEY must be set to a private random value outside development"
            )
        return self

    @model_validator(mode="after")
    def _llm_provider_complete(self) -> Settings:
        # Refuse to start rather than fail every call later with a less telling reason.
        if self.llm_provider == "offline":
            return self
        if not self.llm_model.strip():
            raise ValueError(
                f"PEERPEAR_LLM_MODEL must name a model when PEERPEAR_LLM_PROVIDER is "
                f"{self.llm_provider} (e.g. gemini-2.5-flash, gpt-4o-mini, llama3.1)"
            )
        if not self.llm_api_key and (self.llm_provider == "gemini" or not self.llm_base_url):
            raise ValueError(
                f"PEERPEAR_LLM_API_KEY must be set for the {self.llm_provider} provider "
                "(only a local OpenAI-compatible server named by PEERPEAR_LLM_BASE_URL "
                "may go without one)"
            )
        return self

    @model_validator(mode="after")
    def _no_wildcard_origin_with_cookies(self) -> Settings:
        # Sign-in uses a cookie, so CORS runs with credentials; a wildcard would let any site make
        # signed-in requests and read the answers.
        if "*" in self.cors_origins:
            raise ValueError("PEERPEAR_CORS_ORIGINS cannot contain '*'; list the allowed origins")
        return self

    @model_validator(mode="after")
    def _semantic_embedder_installed(self) -> Settings:
        if self.text_embedder == "semantic" and importlib.util.find_spec("wordllama") is None:
            raise ValueError(
                "PEERPEAR_TEXT_EMBEDDER=semantic needs the optional package wordllama, which is "
                "not installed: install PeerPear with the 'semantic' extra (uv sync --extra "
                "semantic, or pip install 'peerpear[semantic]'), or set PEERPEAR_TEXT_EMBEDDER "
                "to auto or tfidf"
            )
        return self

    @model_validator(mode="after")
    def _no_retired_variables(self) -> Settings:
        retired = sorted(name for name in RETIRED_VARIABLES if name in os.environ)
        if retired:
            raise ValueError(
                "; ".join(
                    f"{name} is no longer read: {RETIRED_VARIABLES[name]}" for name in retired
                )
            )
        return self

    @model_validator(mode="after")
    def _no_wildcard_proxy(self) -> Settings:
        # With "*", uvicorn takes the leftmost X-Forwarded-For entry, which the client writes
        # itself: every per-address sign-in limit would count whatever address it makes up.
        if "*" not in (entry.strip() for entry in self.trusted_proxies.split(",")):
            return self
        if self.environment == "production":
            raise ValueError(
                "PEERPEAR_TRUSTED_PROXIES cannot be '*' in production: any client could then "
                "name its own address in X-Forwarded-For and escape the sign-in limits; list "
                "the proxies' addresses or networks (e.g. 10.0.0.0/8)"
            )
        logger.warning(
            "PEERPEAR_TRUSTED_PROXIES is '*': every client can set its own address with "
            "X-Forwarded-For, so the per-address sign-in limits do not hold; never use it on a "
            "server reachable without the proxy (refused in production)"
        )
        return self

    @model_validator(mode="after")
    def _warn_mail_to_outbox_in_production(self) -> Settings:
        # Allowed (a small deployment may read the outbox), but nobody receives anything.
        if self.environment == "production" and not self.smtp_host:
            logger.warning(
                "PEERPEAR_SMTP_HOST is not set: email (confirmation links, password resets) is "
                "written to %s instead of being sent",
                self.mail_outbox_dir,
            )
        return self

    @property
    def requires_verified_email(self) -> bool:
        """Whether joining and registering need a verified address (see the field)."""
        if self.require_verified_email is None:
            return self.environment == "production"
        return self.require_verified_email

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    @property
    def uses_procrastinate(self) -> bool:
        """Whether background jobs go through procrastinate (see ``jobs_backend``)."""
        if self.jobs_backend == "auto":
            return not self.is_sqlite
        return self.jobs_backend == "procrastinate"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
