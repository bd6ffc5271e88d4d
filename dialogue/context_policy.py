"""Answers follow-ups against the conversation's context ("and IBM?", "cheaper ones", "cancel it").

Rules and stories see intents, not what "it" or "them" refers to. This policy reads the latest
message with the context the actions keep in slots and the skill that answered last, and asks
:func:`dialogue.context.route` which action the message needs. When it has an answer it predicts
that action with full confidence (priority 5: above RulePolicy, below the upset-customer handoff),
then ``action_listen``. Inside the verification form, a confident request of another skill first
ends the form (``action_deactivate_loop``), marked like the form's own continuation so that it wins
over the form. Otherwise it abstains (all zeros). It learns nothing from the training data.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from dialogue.context import (
    CURRENT_ORDER,
    DEACTIVATE_LOOP,
    FAQ_ARTICLE,
    MARKET_TICKERS,
    PENDING_CANCELLATION,
    PORTFOLIO,
    REC_SHOWN,
    SKILL_OF_ACTION,
    VERIFICATION_FORM,
    VERIFIED_CUSTOMER,
    Context,
    Turn,
    last_skill_action,
    route,
)

ORDER_GOAL = "order_goal"


def turn_of(tracker: DialogueStateTracker) -> Optional[Turn]:
    message = tracker.latest_message
    if message is None or message.text is None:
        return None
    return Turn.parsed(message.text, message.intent, message.entities)


def context_of(tracker: DialogueStateTracker) -> Context:
    """The context as the actions left it: slots, and the skill that answered last in this session."""
    names: List[str] = []
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            names = []
        elif isinstance(event, ActionExecuted) and event.action_name:
            names.append(event.action_name)
    last = last_skill_action(names)

    def present(slot: str) -> bool:
        value = tracker.get_slot(slot) if slot in tracker.slots else None
        return value not in (None, "", [])

    return Context(
        last_skill=SKILL_OF_ACTION.get(last) if last else None,
        last_action=last,
        active_loop=tracker.active_loop_name,
        current_order=present(CURRENT_ORDER) and present(VERIFIED_CUSTOMER),
        pending_cancellation=present(PENDING_CANCELLATION),
        tickers=present(MARKET_TICKERS),
        portfolio=present(PORTFOLIO),
        shown_products=present(REC_SHOWN),
        article=present(FAQ_ARTICLE),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class ContextPolicy(Policy):
    """Predicts the action a follow-up needs (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above RulePolicy (4), below UpsetCustomerPolicy (6).
        return {"priority": 5}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource) as path:
            (path / "config.json").write_text(json.dumps({"priority": self.priority}))
        return self._resource

    @staticmethod
    def _message_is_new(tracker: DialogueStateTracker) -> bool:
        """The latest message has not been taken back (a fallback reverts it; the one before is not new)."""
        for event in reversed(tracker.events):
            if isinstance(event, (UserUtteranceReverted, ActionReverted)):
                return False
            if isinstance(event, UserUttered):
                return True
        return False

    def _last_action_was_mine(self, tracker: DialogueStateTracker) -> bool:
        for event in reversed(tracker.events):
            if isinstance(event, ActionExecuted):
                return (event.policy or "").endswith(type(self).__name__)
        return False

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        turn = turn_of(tracker)
        if turn is None:
            return self._prediction(probabilities)
        latest = tracker.latest_action_name
        if latest == ACTION_LISTEN_NAME:
            if not self._message_is_new(tracker):
                return self._prediction(probabilities)
            found = route(turn, context_of(tracker))
            if found is None:
                return self._prediction(probabilities)
            action = DEACTIVATE_LOOP if found.end_form else found.action
            if action not in domain.action_names_or_texts:
                return self._prediction(probabilities)
            probabilities[domain.index_for_action(action)] = 1.0
            goal = [SlotSet(ORDER_GOAL, found.order_goal)] if found.order_goal else []
            return self._prediction(probabilities, events=goal, is_no_user_prediction=found.end_form)
        if not self._last_action_was_mine(tracker) or latest == VERIFICATION_FORM:
            # The form, once started, is carried on by its own rules.
            return self._prediction(probabilities)
        if latest == DEACTIVATE_LOOP:
            # The form just ended for this message: now the request it carried.
            found = route(turn, Context(active_loop=VERIFICATION_FORM))
            next_action = found.action if found is not None else ACTION_LISTEN_NAME
        else:
            next_action = ACTION_LISTEN_NAME
        probabilities[domain.index_for_action(next_action)] = 1.0
        return self._prediction(probabilities)
