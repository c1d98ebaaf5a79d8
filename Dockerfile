# Care operations: one image for web (gunicorn), Celery worker, Celery beat and migrations.
FROM python:3.11-slim

# settings.py finds templates/ and locale/ beside config/, so the code must run from /app
# (PYTHONPATH) rather than from the copy that `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    VAR_DIR=/app/var

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
COPY config ./config
COPY care ./care
COPY volunteers ./volunteers
COPY consultations ./consultations
COPY kpi ./kpi
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

# The rest of the project (templates, manage.py, and locale/ or static/ when they exist);
# .dockerignore keeps out .venv, var, .git, tests, bench and docs.
COPY . .
RUN mkdir -p /app/var && chown -R app:app /app/var

USER app

# The key exists only for this step: collectstatic imports settings, which need one when
# DEBUG is off. The running container gets SECRET_KEY from its environment.
RUN SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
