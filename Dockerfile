# The production image: gunicorn serving truyvet, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production
# DejaVu for the Vietnamese letters on printed QR cards and venue posters.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time; the settings need a secret and hosts to load,
# so this one command gets throwaway values that never reach the running container.
RUN SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 1000 --home /app truyvet && mkdir -p /app/var/keys /app/var/media && chown -R truyvet /app/var
USER truyvet
# QR signing keys and uploads live here: mount a volume so they survive a new container.
VOLUME ["/app/var"]

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["sh", "-c", "gunicorn truyvet.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-4} --threads ${WEB_THREADS:-2} --worker-class gthread --access-logfile -"]
