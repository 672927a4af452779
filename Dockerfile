# syntax=docker/dockerfile:1
# One image for every Python process of the platform: web (gunicorn, the default command),
# realtime (uvicorn), worker and beat (celery) and the one-shot release steps;
# docker-compose.yml gives each its command.

ARG PYTHON_VERSION=3.11

# --- Dependencies -------------------------------------------------------------------------
# Installed from pyproject.toml into a virtualenv that the final stage copies, so pip's
# caches and build-time files stay out of the image. Every dependency ships manylinux wheels
# (psycopg[binary], cryptography, uvloop...), so no compiler is needed.
FROM python:${PYTHON_VERSION}-slim AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip pip install .

# --- Runtime ------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_ENV=production

# A fixed uid, so volume ownership is the same on every host.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home app

COPY --from=deps /opt/venv /opt/venv

# The code runs from /app (PYTHONPATH), not from the copy pip put in site-packages: settings
# find templates/ and staticfiles/ next to manage.py (BASE_DIR), and those are not package
# data. The files stay owned by root: the app user can read its code, not change it.
WORKDIR /app
COPY . .

# Static files are collected at build time with the production storage (WhiteNoise's
# compressed manifest storage: hashed names, the manifest, gzip copies). The web processes
# serve them through WhiteNoise, and the `static` service copies them out for nginx.
# Production settings insist on real secrets; these are generated for this one command and
# exist in no layer.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    FIELD_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    BLIND_INDEX_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0
# Where the one-shot `static` service of docker-compose.yml publishes them for nginx.
RUN install -d -o app -g app /srv/static

USER app
EXPOSE 8000 8001
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
