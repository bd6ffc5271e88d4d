"""Questions the FAQ skill could not answer confidently, and the list that improves the knowledge base.

Questions are stored with e-mail addresses, phone and card numbers masked and the
conversation only as a hash, so the table can be read by whoever writes articles.
:func:`frequent_questions` groups similar wordings (one embedding per distinct
question, greedy grouping by cosine similarity) and ranks the groups by how often
they were asked.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Callable, Optional, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commerce.models import FaqOutcome, UnansweredQuestion
from retrieval.pii import mask_pii

MAX_STORED_CHARS = 1000  # the column is TEXT; a pasted essay is cut, it adds nothing to grouping

Embed = Callable[[Sequence[str]], np.ndarray]  # L2-normalised rows, one per text


def conversation_hash(sender_id: str) -> str:
    """sha256 of the sender id: counts distinct askers without storing who they are."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()


def record_unanswered(
    sessions: sessionmaker[Session],
    question: str,
    outcome: FaqOutcome,
    top_article_id: Optional[str],
    top_score: Optional[float],
    channel: Optional[str],
    sender_id: str,
    asked_at: Optional[datetime] = None,
) -> None:
    """Store one question, personal data masked."""
    row = UnansweredQuestion(
        asked_at=asked_at or datetime.now(UTC),
        question=mask_pii(question)[:MAX_STORED_CHARS],
        outcome=outcome,
        top_article_id=top_article_id,
        top_score=top_score,
        channel=(channel or "unknown")[:32],
        conversation_hash=conversation_hash(sender_id),
    )
    with sessions.begin() as session:
        session.add(row)


@dataclass(frozen=True)
class QuestionGroup:
    question: str  # the most asked wording in the group
    asked: int  # times any wording of the group was stored
    conversations: int  # distinct askers
    wordings: tuple[str, ...]  # other wordings, most asked first
    top_article_id: Optional[str]  # the article the engine most often came closest with
    last_asked: datetime


def frequent_questions(
    sessions: sessionmaker[Session],
    embed: Embed,
    limit: int = 20,
    since: Optional[datetime] = None,
    similarity: float = 0.75,
) -> list[QuestionGroup]:
    """The *limit* most frequent groups of similar questions asked since *since*, most asked first."""
    key = func.lower(func.trim(UnansweredQuestion.question))
    recent = [UnansweredQuestion.asked_at >= since] if since is not None else []
    with sessions() as session:
        distinct = session.execute(
            select(key, func.min(UnansweredQuestion.question), func.count(), func.max(UnansweredQuestion.asked_at))
            .where(*recent)
            .group_by(key)
        ).all()
        details = session.execute(
            select(key, UnansweredQuestion.conversation_hash, UnansweredQuestion.top_article_id).where(*recent)
        ).all()
    if not distinct:
        return []
    distinct.sort(key=lambda row: (-row[2], row[1]))  # most asked first: they lead the groups
    vectors = embed([text for _, text, _, _ in distinct])
    leader_of = [-1] * len(distinct)
    members: dict[int, list[int]] = {}
    for i in range(len(distinct)):
        if leader_of[i] >= 0:
            continue
        leader_of[i] = i
        members[i] = [i]
        similar = vectors[i + 1 :] @ vectors[i]
        for offset in np.flatnonzero(similar >= similarity):
            j = i + 1 + int(offset)
            if leader_of[j] < 0:
                leader_of[j] = i
                members[i].append(j)
    leader_by_key = {row[0]: leader_of[j] for j, row in enumerate(distinct)}
    askers: dict[int, set[str]] = {leader: set() for leader in members}
    articles: dict[int, Counter[str]] = {leader: Counter() for leader in members}
    for text_key, conversation, article in details:
        leader = leader_by_key[text_key]
        askers[leader].add(conversation)
        if article:
            articles[leader][article] += 1
    groups = [
        QuestionGroup(
            question=distinct[leader][1],
            asked=sum(distinct[j][2] for j in rows),
            conversations=len(askers[leader]),
            wordings=tuple(distinct[j][1] for j in rows[1:]),
            top_article_id=articles[leader].most_common(1)[0][0] if articles[leader] else None,
            last_asked=max(distinct[j][3] for j in rows),
        )
        for leader, rows in members.items()
    ]
    groups.sort(key=lambda g: (-g.asked, -g.conversations, g.question))
    return groups[:limit]
