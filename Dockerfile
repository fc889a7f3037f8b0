# Production image: gunicorn serving Suyuan as a non-root user; PostgreSQL via SUYUAN_DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SUYUAN_INSTANCE_DIR=/var/lib/suyuan
WORKDIR /app
COPY pyproject.toml README.md ./
COPY suyuan ./suyuan
RUN pip install . && useradd --system --home /var/lib/suyuan --create-home suyuan
USER suyuan
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "suyuan db upgrade && exec gunicorn --bind 0.0.0.0:8000 --workers 2 --access-logfile - 'suyuan.web.wsgi:app'"]
