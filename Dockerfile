# The bot as an image: webhook worker by default (`python -m bot webhook`, port 8080).
# Other commands: `docker run IMAGE python -m bot migrate` (or telegram, report ...).
#
#   docker build -t leercultuurscan .
#   docker run -e TELEGRAM_BOT_TOKEN=... -e WEBHOOK_URL=https://... -e DATABASE_URL=... \
#     -p 8080:8080 -v leercultuurscan-data:/data leercultuurscan
#
# compose.yaml runs it with PostgreSQL, the migration step and two workers.

# Build stage: the exact versions from constraints.txt, then the project itself, in a venv.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The dependencies first, in their own layer: rebuilt only when the lock changes.
COPY constraints.txt ./
RUN pip install -r constraints.txt
COPY . .
RUN pip install --no-deps . \
    && pip check

# Run stage: the venv and a non-root user; no compilers, no source tree.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    PORT=8080
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /home/bot --create-home \
       --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data \
    && chmod 0700 /data
COPY --from=build /opt/venv /opt/venv
# Settings come from the environment (a .env in the working directory is read too).
WORKDIR /home/bot
USER bot:bot
# The SQLite database (when DATABASE_URL is not set) lives here; keep it on a volume.
VOLUME ["/data"]
EXPOSE 8080
# The webhook worker answers GET /healthz with "ok" (no curl in the slim image: urllib).
# Only the webhook command serves HTTP: turn this off for migrate, report and telegram.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)" || exit 1
CMD ["python", "-m", "bot", "webhook"]
