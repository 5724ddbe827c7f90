# syntax=docker/dockerfile:1
FROM node:22-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ACCORD_DATA_DIR=/var/lib/accord ACCORD_HOST=0.0.0.0 ACCORD_PORT=8000
WORKDIR /srv/accord
# Pango and the Noto fonts: PDF exports shape Arabic and Chinese, and show emoji.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY --from=web /src/app/static ./app/static
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --home /var/lib/accord accord \
 && mkdir -p /var/lib/accord && chown accord /var/lib/accord
USER accord
EXPOSE 8000
VOLUME ["/var/lib/accord"]
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["accord", "serve"]
