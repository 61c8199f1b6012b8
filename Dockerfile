FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY api ./api
COPY domain ./domain
COPY workers ./workers
COPY cli ./cli
COPY demo ./demo
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system qaf
USER qaf
EXPOSE 8000
CMD ["qaf", "serve", "--host", "0.0.0.0", "--port", "8000"]
