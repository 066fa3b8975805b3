"""Settings, read once from the environment (and an optional ``.env``) with pydantic-settings.

Every variable is documented in README.md ("Configuration"). Per-adapter settings are nested models:
``QUIZMASTER_SLACK__BOT_TOKEN`` or the conventional ``SLACK_BOT_TOKEN`` both set ``slack.bot_token``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BUNDLED_BANKS = Path(__file__).resolve().parent.parent / "questions" / "banks"


class SlackSettings(BaseModel):
    """Slack adapter settings. The adapter runs when ``bot_token`` is set."""

    bot_token: str | None = None
    app_token: str | None = None  # xapp-... for Socket Mode
    signing_secret: str | None = None
    mode: Literal["socket", "http"] = "socket"
    http_port: int = 3000
    http_front: Literal["process", "inline"] = "process"  # HTTP mode: ack in a separate process or inline
    api_base_url: str | None = None  # tests point this at the fake Slack; must end with "/"


class DiscordSettings(BaseModel):
    """Discord adapter settings. The adapter runs when ``token`` is set."""

    token: str | None = None
    application_id: str | None = None
    guild_id: str | None = None  # sync commands to this guild only (development); global when unset
    instructor_role: str | None = None  # role name or id that may schedule, import and reset


class Settings(BaseSettings):
    """All of Quizmaster's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="QUIZMASTER_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = "sqlite:///quizmaster.db"
    banks_dir: Path = BUNDLED_BANKS
    timezone: str = "UTC"
    instructors: Annotated[list[str], NoDecode] = Field(default_factory=list)
    topic_aliases: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    log_level: str = "INFO"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)  # serve Prometheus metrics when set
    metrics_host: str = "0.0.0.0"
    heartbeat_file: Path | None = None  # touched while the chat adapters' event loop runs
    heartbeat_interval: float = Field(default=30.0, gt=0)  # seconds between touches
    review_base_url: str | None = None

    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)

    # The platforms' own conventional variable names are accepted too.
    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_signing_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    discord_token: str | None = Field(default=None, validation_alias=AliasChoices("DISCORD_TOKEN"))

    @field_validator("metrics_port", "heartbeat_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (``QUIZMASTER_METRICS_PORT=`` from compose's ``${VAR:-}``) means unset."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("instructors", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("topic_aliases", mode="before")
    @classmethod
    def _parse_aliases(cls, value: object) -> object:
        """Accept ``k8s=Kubernetes,dockr=Docker`` as well as JSON."""
        if isinstance(value, str) and not value.strip().startswith("{"):
            pairs = (item.split("=", 1) for item in value.split(",") if "=" in item)
            return {alias.strip(): topic.strip() for alias, topic in pairs}
        if isinstance(value, str):
            return json.loads(value)
        return value

    def model_post_init(self, _context: object) -> None:
        if self.slack_bot_token and not self.slack.bot_token:
            self.slack.bot_token = self.slack_bot_token
        if self.slack_app_token and not self.slack.app_token:
            self.slack.app_token = self.slack_app_token
        if self.slack_signing_secret and not self.slack.signing_secret:
            self.slack.signing_secret = self.slack_signing_secret
        if self.discord_token and not self.discord.token:
            self.discord.token = self.discord_token

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack.bot_token)

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord.token)
