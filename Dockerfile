# syntax=docker/dockerfile:1
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ACCORD_DATA_DIR=/var/lib/accord ACCORD_HOST=0.0.0.0 ACCORD_PORT=8000
WORKDIR /srv/accord
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY frontend/public ./frontend/public
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --home /var/lib/accord accord \
 && mkdir -p /var/lib/accord && chown accord /var/lib/accord
USER accord
EXPOSE 8000
VOLUME ["/var/lib/accord"]
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["accord", "serve"]
