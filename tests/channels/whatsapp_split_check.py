"""Run in .venv/rasa: split every [text, limit] of the JSON file named on the command line with
channels.whatsapp.split_text and print the lists of parts (JSON, one line)."""

import json
import sys
from pathlib import Path

from channels.whatsapp import split_text

cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
print(json.dumps([split_text(text, limit) for text, limit in cases]))
