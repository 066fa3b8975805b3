# syntax=docker/dockerfile:1
#
# Quizmaster container image: a builder stage makes a wheel of the project and installs it, with its
# runtime dependencies only (no [dev] extras), into /opt/venv; the runtime stage copies just that venv
# onto a fresh slim Python base and runs as an unprivileged user.
#
#   docker build -t quizmaster .
#   docker run --rm -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -v quizmaster-data:/data quizmaster
#
# Convention (checked by tests/test_install_like_docker.py): in the builder stage, every RUN that invokes
# pip is replayed by the test in a clean venv, with /opt/venv mapped to that venv and /src to a copy of
# the files this stage COPYs. So keep the builder's pip steps self-contained shell (no ENV they depend
# on), refer to the venv and the sources only as /opt/venv and /src, and COPY every file the build needs.
# Secrets (Slack/Discord tokens, database passwords) are never baked in: pass them at run time.

######## builder: build the wheel and install it with its runtime dependencies ########
FROM python:3.11-slim-bookworm AS builder

RUN python -m venv /opt/venv

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY questions ./questions
COPY adapters ./adapters
COPY migrations ./migrations

RUN /opt/venv/bin/pip wheel --no-cache-dir --disable-pip-version-check --no-deps \
        --wheel-dir /src/dist /src
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check /src/dist/quizmaster-*.whl

######## runtime: only the venv, a non-root user and a data directory ########
FROM python:3.11-slim-bookworm AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# A fixed UID/GID, so volume ownership and Kubernetes' runAsNonRoot work predictably.
RUN groupadd --system --gid 10001 quizmaster \
    && useradd --system --uid 10001 --gid quizmaster --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin quizmaster \
    && mkdir -p /data \
    && chown quizmaster:quizmaster /data

COPY --from=builder /opt/venv /opt/venv

# The working directory holds the default SQLite file (sqlite:///quizmaster.db) and an optional .env:
# mount a volume here when not using PostgreSQL.
WORKDIR /data
USER 10001:10001

# Slack HTTP mode (QUIZMASTER_SLACK__MODE=http) listens here; Socket Mode and Discord need no port.
EXPOSE 3000

# `quizmaster run` (with a Slack or Discord token) touches this file every 30 s from its event loop, and
# `quizmaster health` then also requires it to be younger than 120 s: the check covers the database and
# a bot that is alive, not just a process that exists. (Override with -e QUIZMASTER_HEARTBEAT_FILE=.)
ENV QUIZMASTER_HEARTBEAT_FILE=/tmp/quizmaster.heartbeat

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["quizmaster", "health"]

# Python turns SIGINT into KeyboardInterrupt even as PID 1, so `docker stop` shuts the bot down cleanly.
STOPSIGNAL SIGINT

# `quizmaster run` applies the database migrations, then starts the adapters whose tokens are set.
CMD ["quizmaster", "run"]
