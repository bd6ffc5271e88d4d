"""The reply catalogue: every entry renders, every id the actions use exists, and no action sends
customer-facing text written in its code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from actions import replies

ACTIONS_DIR = Path(replies.__file__).parent
USED_ID = re.compile(r"""replies\.text\(\s*(f?)["']([a-z0-9_.{}]+)["']""")


def dummy_values(template: str) -> dict[str, object]:
    return {name: 1 if name == "count" else f"<{name}>" for name in replies.placeholders(template)}


@pytest.mark.parametrize("reply_id", sorted(replies.catalogue()))
def test_every_entry_renders_with_its_placeholders(reply_id: str) -> None:
    entry = replies.catalogue()[reply_id]
    forms = entry.values() if isinstance(entry, dict) else [entry]
    for form, template in zip(entry if isinstance(entry, dict) else [None], forms):
        values = {**dummy_values(template), "count": 1 if form == "one" else 2}
        rendered = replies.text(reply_id, **values)
        assert "{" not in rendered and rendered.strip(), reply_id
    if isinstance(entry, dict):
        assert set(entry) == {"one", "other"}, f"{reply_id}: plural entries have exactly 'one' and 'other'"


def test_a_missing_placeholder_or_unknown_id_raises() -> None:
    with pytest.raises(KeyError):
        replies.text("order.headline", number="1004587")  # no status
    with pytest.raises(KeyError):
        replies.text("no.such.reply")


def test_the_wording_settings_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_EMAIL", "help@shop.example")
    assert "help@shop.example" in replies.text("contact.human")


def test_every_id_the_actions_use_exists() -> None:
    known = set(replies.catalogue())
    for path in ACTIONS_DIR.glob("*.py"):
        for formatted, reply_id in USED_ID.findall(path.read_text(encoding="utf-8")):
            if formatted:  # f"recs.feedback_{feedback}": some entry must start with the fixed part
                prefix = reply_id.split("{")[0]
                assert any(k.startswith(prefix) for k in known), f"{path.name}: no reply id starts with {prefix!r}"
            else:
                assert reply_id in known, f"{path.name}: unknown reply id {reply_id!r}"


def literal_text(node: ast.expr) -> bool:
    """A string written in the code that holds words (emoji-only button titles are not text)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(literal_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return literal_text(node.left) or literal_text(node.right)
    return False


def test_no_action_sends_text_written_in_its_code() -> None:
    found = []
    for path in sorted(ACTIONS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "utter_message":
                for keyword in node.keywords:
                    if keyword.arg == "text" and literal_text(keyword.value):
                        found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Dict):  # button titles
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "title" and literal_text(value):
                        found.append(f"{path.name}:{node.lineno} (button title)")
    assert not found, "customer-facing text belongs in actions/replies.en.yml: " + ", ".join(found)
