"""Save and load fitted models: a directory with ``manifest.json`` and ``state.npz``.

The manifest says what was trained on what (model name, parameters, learned
values such as blend weights, a hash of the training interactions, creation
time, a checksum of the state file). Arrays are stored without pickle, so
loading an artifact never executes code from it.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

import numpy as np

from recsys.models import Recommender, build

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STATE = "state.npz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: Recommender, directory: Union[str, Path]) -> Path:
    """Write a fitted *model* under *directory* (created if needed); returns the manifest path."""
    if model.items is None:
        raise ValueError("only a fitted model can be saved")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = model.get_state()
    for key, value in state.items():
        if np.asarray(value).dtype == object:
            raise TypeError(f"state {key!r} holds Python objects; use numbers, booleans or strings")
    tmp_state = directory / (STATE + ".tmp.npz")
    np.savez(tmp_state, **state)
    os.replace(tmp_state, directory / STATE)
    manifest = {
        "format": FORMAT_VERSION,
        "model": model.name,
        "params": model.params(),
        "learned": model.learned(),
        "data_hash": model.data_hash,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "n_users": len(model.users),
        "n_items": len(model.items),
        "state_sha256": _sha256(directory / STATE),
    }
    tmp_manifest = directory / (MANIFEST + ".tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(tmp_manifest, directory / MANIFEST)
    return directory / MANIFEST


def read_manifest(directory: Union[str, Path]) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: artifact format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
    return manifest


def load(directory: Union[str, Path]) -> Recommender:
    """The fitted model saved under *directory*; refuses a state file that does not match its manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if _sha256(directory / STATE) != manifest["state_sha256"]:
        raise ValueError(f"{directory / STATE} does not match its manifest (checksum differs)")
    model = build(manifest["model"], manifest["params"])
    with np.load(directory / STATE, allow_pickle=False) as npz:
        state = {key: npz[key] for key in npz.files}
    return model.set_state(state, manifest["data_hash"])
