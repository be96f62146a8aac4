# The production image of truyvet. One image runs every process: the default command is
# gunicorn; docker-compose.yml runs the migrations, the Celery worker and beat from it too.
#
#   docker build -t truyvet .
#   docker run --rm -e SECRET_KEY=... -e ALLOWED_HOSTS=... -e DATABASE_URL=... -e REDIS_URL=... \
#       -v truyvet-keys:/app/var/keys -v truyvet-media:/app/var/media -p 8000:8000 truyvet
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_ENV=production \
    WEB_CONCURRENCY=3

# DejaVu has every Vietnamese letter; the printed QR cards and venue posters use it
# (without it truyvet/lib/drawing.py falls back to Pillow's built-in font).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The runtime dependencies only: requirements-dev.txt (tests, linters) stays out of the image.
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The code belongs to root and is read-only for the user that runs it.
COPY . .
RUN python -m compileall -q .

# Production settings refuse to load without a real-looking SECRET_KEY and ALLOWED_HOSTS.
# collectstatic gets throwaway values on this line only: they are not in any ENV, so they
# never reach a running container. It needs no database.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput -v0

# A non-root user; only var/ is writable. The QR signing keys (SIGNING_KEY_DIR, default
# /app/var/keys) and uploads (MEDIA_ROOT, /app/var/media) are volumes: losing the keys
# invalidates every personal QR code, so they must outlive the container.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin truyvet \
    && mkdir -p /app/var/keys /app/var/media /app/var/metrics \
    && chown -R truyvet:truyvet /app/var \
    && chmod 700 /app/var/keys
USER truyvet
VOLUME ["/app/var/keys", "/app/var/media"]

EXPOSE 8000

# /healthz answers 200 when the database, the cache and the Celery broker answer, 503 if
# one does not (urlopen raises on 503). There is no curl in the slim image. Django checks
# the Host header even here, so the request names the first ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; f = os.environ.get('ALLOWED_HOSTS_FILE'); h = (open(f).read() if f else os.environ.get('ALLOWED_HOSTS', '')).split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

# exec: gunicorn becomes PID 1 and gets SIGTERM itself (a graceful stop).
CMD ["sh", "-c", "exec gunicorn truyvet.wsgi --bind 0.0.0.0:8000 --workers \"${WEB_CONCURRENCY:-3}\" --access-logfile -"]
