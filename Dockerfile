# syntax=docker/dockerfile:1
# The API image (target `api`, the default for `docker build`) and the Nginx in front of it (target `nginx`).
# Both come from the same `pip install .` that `make run` installs (without its local/dev extras).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/oms
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/oms/bin/pip install .

# The web app, built from the committed lockfile; Nginx serves its files (no Node at runtime).
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

# Nginx with the production config (rendered from the template by the image's envsubst at start) and the
# docs assets the app would otherwise serve itself, pre-gzipped for gzip_static.
FROM nginx:1.27-alpine AS nginx
COPY --from=build /opt/oms/lib/python3.11/site-packages/fastapi_offline/static/ /srv/oms/www/static/docs/
RUN gzip -k -9 /srv/oms/www/static/docs/*.css /srv/oms/www/static/docs/*.js
COPY --from=web /web/dist/ /srv/oms/web/
COPY deploy/nginx/nginx.conf.template /etc/nginx/templates/nginx.conf.template
ENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx \
    NGINX_ENVSUBST_FILTER=OMS_ \
    OMS_NGINX_USER=nginx \
    OMS_RUN_DIR=/var/cache/nginx \
    OMS_LOG_DIR=/var/log/nginx \
    OMS_LISTEN=8080 \
    OMS_METRICS_LISTEN=127.0.0.1:8081 \
    OMS_STATIC_ROOT=/srv/oms/www \
    OMS_WEB_ROOT=/srv/oms/web \
    OMS_RATE_LIMIT_EXEMPT="" \
    OMS_UPSTREAM_SERVERS="server api:8000 max_fails=3 fail_timeout=5s;"
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:8081/nginx_status || exit 1

FROM python:3.11-slim AS api
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin oms \
    && mkdir -p /app/var /tmp/prometheus && chown oms:oms /app/var /tmp/prometheus
COPY --from=build /opt/oms /opt/oms
ENV PATH=/opt/oms/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMS_ENV=production \
    OMS_HOST=0.0.0.0 \
    OMS_PORT=8000 \
    OMS_DATA_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
WORKDIR /app
USER oms
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
CMD ["oms", "serve"]
