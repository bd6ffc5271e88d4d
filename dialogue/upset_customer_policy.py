"""Hands a clearly upset customer to a person, whatever else the dialogue would do.

Rules and stories cannot say "after any message that sounds furious", so this
policy looks at the text of each new customer message with the project's
offline sentiment model (``support.sentiment``) and, when the score is at or
below ``HANDOFF_UPSET_THRESHOLD``, predicts ``action_handoff`` with full
confidence. Its prediction is marked like a form's own continuation and its
priority is above RulePolicy's, so it also wins inside the verification form.
Otherwise it abstains (all zeros). It learns nothing from the training data.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from support.escalation import EscalationPolicy
from support.sentiment import analyse

HANDOFF_ACTION = "action_handoff"


def is_upset(text: Optional[str], threshold: Optional[float]) -> bool:
    """True for a typed message whose sentiment is at or below *threshold* (None: trigger off)."""
    if threshold is None or not text or text.lstrip().startswith("/"):  # button payloads carry no feeling
        return False
    return analyse(text, threshold).score <= threshold


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class UpsetCustomerPolicy(Policy):
    """Predicts ``action_handoff`` right after a clearly upset message (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Above RulePolicy (4) so that, at equal confidence, the handoff wins.
        return {"priority": 6, "ignore_intents": []}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._ignored_intents = set(self.config.get("ignore_intents") or [])
        self._threshold = EscalationPolicy.from_settings().upset_threshold

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource) as path:
            (path / "config.json").write_text(json.dumps({"ignore_intents": sorted(self._ignored_intents)}))
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        message = tracker.latest_message
        if (
            tracker.latest_action_name != ACTION_LISTEN_NAME
            or message is None
            or message.intent.get("name") in self._ignored_intents
            or HANDOFF_ACTION not in domain.action_names_or_texts
            or not is_upset(message.text, self._threshold)
        ):
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
