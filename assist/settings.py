"""Deployment settings: one typed object, built from the environment by a function and passed in.

Nothing reads the environment at import time. Policy (the escalation matrix) is not configuration: it is its own
validated file, named here only by path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from assist.outbox.channels import ZendeskConfig

_ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?")
_PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "xxx", "todo", "your-api-key", "sk-..."}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Path("data")
    chroma_url: str | None = None
    database_url: str | None = None  # default: SQLite under data_dir; postgresql+psycopg://… to scale out
    matrix_path: Path | None = None  # default: the matrix shipped with the package
    llm_model: str | None = None  # any litellm model string; none -> extractive answers
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_fallbacks: list[str] = Field(default_factory=list)
    llm_timeout_seconds: float = Field(20.0, gt=0, le=300)
    llm_retries: int = Field(2, ge=0, le=10)
    # Prices in USD per million prompt / completion tokens, for models litellm has no price for (self-hosted, a
    # proxy alias) or a negotiated rate. Unset: litellm's bundled price map; unknown there: cost is null.
    llm_input_usd_per_mtok: float | None = Field(None, ge=0)
    llm_output_usd_per_mtok: float | None = Field(None, ge=0)
    torch_threads: int | None = Field(None, ge=1, le=64)
    retrieval_k: int = Field(8, ge=1, le=50)
    # A ticket counts as deflected only when Tier 1 keeps it with a cited answer at least this confident. 0.8 is
    # the default matrix's kb_answer threshold, chosen from the eval report's threshold curve on TechQA dev.
    deflection_threshold: float = Field(0.8, ge=0, le=1)
    # An inferred fact less sure than this is left to the agent (listed with its suggestion), not decided on. 0.4
    # keeps an issue type named by the words (right 45% of the time, of seven types) and drops a split vote.
    fact_threshold: float = Field(0.4, ge=0, le=1)
    link_hosts: list[str] = Field(default_factory=list)  # hosts an answer may link to; others are stripped
    # Helpdesk origins that may frame the sidebar and send it tickets, e.g. https://*.zendesk.com
    sidebar_origins: list[str] = Field(default_factory=list)
    notify_config: Path | None = None  # YAML mapping notification targets to endpoints (see assist/notify.py)
    demo_kb: bool = True  # ingest the bundled demo knowledge base on first start when the knowledge base is empty
    # How stale a process's view of the matrix in force may be: a replacement made by another worker or through
    # the API is seen within this many seconds (one indexed query per look).
    policy_refresh_seconds: float = Field(2.0, ge=0, le=300)
    # Zendesk: the webhook's signing secret (events are refused without it), and where write-backs go.
    zendesk_webhook_secret: SecretStr | None = None
    zendesk_url: str | None = Field(None, pattern=r"^https?://[^\s/]+/?$")  # https://acme.zendesk.com
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_groups: dict[str, int] = Field(default_factory=dict)  # queue id -> Zendesk group id

    @field_validator("llm_api_key", "zendesk_webhook_secret", "zendesk_api_token")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            name = f"ASSIST_{str(info.field_name).upper()}"
            raise ValueError(f"{name} is a placeholder; set the real value or leave it unset")
        return value

    @field_validator("sidebar_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"ASSIST_SIDEBAR_ORIGINS: {origin!r} is not an origin like https://acme.zendesk.com or "
                    "https://*.zendesk.com"
                )
        return value

    @property
    def zendesk(self) -> ZendeskConfig | None:
        """Write-back to Zendesk, when its URL, e-mail and token are all set."""
        if not (self.zendesk_url and self.zendesk_email and self.zendesk_api_token):
            return None
        token = self.zendesk_api_token.get_secret_value()
        return ZendeskConfig(self.zendesk_url, self.zendesk_email, token, dict(self.zendesk_groups))

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'assist.sqlite3').resolve()}"


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read ``ASSIST_*`` variables. Explicit ``overrides`` (CLI options) win over the environment."""
    env = os.environ if env is None else env
    raw: dict[str, object] = {}
    for field in Settings.model_fields:
        value = env.get(f"ASSIST_{field.upper()}")
        if value is None or value == "":
            continue
        if field in ("llm_fallbacks", "link_hosts", "sidebar_origins"):
            raw[field] = [v.strip() for v in value.split(",") if v.strip()]
        elif field == "zendesk_groups":
            pairs = [p.partition("=") for p in value.split(",") if p.strip()]
            raw[field] = {k.strip(): v.strip() for k, _, v in pairs}
        elif field == "demo_kb":
            raw[field] = value.strip().lower() not in ("0", "false", "no", "off")
        else:
            raw[field] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(raw)
