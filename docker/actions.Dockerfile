# Action server: the same pinned environment as .venv/actions (torch CPU build).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH=/app
WORKDIR /app
COPY requirements/actions.lock requirements/actions.lock
RUN pip install --no-cache-dir pip==24.0 \
    && pip install --no-cache-dir --no-deps --ignore-requires-python \
        --extra-index-url https://download.pytorch.org/whl/cpu -r requirements/actions.lock
COPY assistant assistant
COPY commerce commerce
COPY actions actions
COPY market market
COPY retrieval retrieval
COPY recsys recsys
COPY support support
COPY console console
COPY dialogue dialogue
COPY data/knowledge_base data/knowledge_base
COPY data/market data/market
COPY data/support data/support
RUN useradd --create-home actions && chown -R actions /app
USER actions
EXPOSE 5055
# Migrations first (idempotent), the recommender and the ticket router when missing or
# stale (keep models/ on a volume), then the action server. The agent console runs from
# this image too, with its own command (docker-compose.yml).
CMD ["sh", "-c", "python -m commerce migrate && python -m commerce train-recommender --if-stale && python -m support.train --if-stale && python -m assistant.action_server --port 5055"]
