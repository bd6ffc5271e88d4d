# Rasa server: the same pinned environment as .venv/rasa, model trained at build time.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential libfreetype-dev libqhull-dev pkg-config curl \
    && rm -rf /var/lib/apt/lists/*
ENV MPLSETUPCFG=/tmp/mplsetup.cfg RASA_TELEMETRY_ENABLED=false PYTHONUNBUFFERED=1 PYTHONPATH=/app
RUN printf '[libs]\nsystem_freetype = true\nsystem_qhull = true\n' > /tmp/mplsetup.cfg
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install --no-cache-dir pip==24.0 \
    && pip install --no-cache-dir --no-deps --ignore-requires-python -r requirements/rasa.lock
COPY domain.yml config.yml endpoints.yml credentials.yml ./
COPY assistant assistant
COPY channels channels
COPY dialogue dialogue
COPY nlu nlu
COPY support support
COPY market/__init__.py market/universe.py market/spacy_model.py market/
COPY data/market/tickers.csv data/market/tickers.csv
COPY data/nlu data/nlu
COPY data/rules data/rules
COPY data/stories data/stories
RUN python -m market.spacy_model && rasa train --data data/nlu data/rules data/stories --out models --fixed-model-name assistant
RUN useradd --create-home rasa && chown -R rasa /app
USER rasa
EXPOSE 5005
ENTRYPOINT ["rasa"]
CMD ["run", "--model", "models", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005", "--enable-api", "--cors", "*"]
