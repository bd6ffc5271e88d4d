#!/usr/bin/env bash
# Re-resolves requirements/*.in into the full pins in requirements/*.lock.
# Run by `make lock` after changing a .in file; `make setup` installs the locks.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '[libs]\nsystem_freetype = true\nsystem_qhull = true\n' > "$work/mpl.cfg"
export MPLSETUPCFG="$work/mpl.cfg"
freeze() { "$1/bin/pip" freeze --all --exclude pip | grep -v '^-e ' ; }
pins() { grep -vE '^\s*(#|$)' "$1" | grep -v '^rasa-sdk' | grep -v '^torch' ; }

echo "[lock] rasa: resolving (matplotlib builds from source: a few minutes)"
python3.11 -m venv "$work/rasa" && "$work/rasa/bin/pip" install -q pip==24.0
"$work/rasa/bin/pip" install --ignore-requires-python -c rasa-constraints.txt 'rasa[spacy]==3.6.21'
"$work/rasa/bin/pip" install dask==2022.10.2
freeze "$work/rasa" > rasa.lock

echo "[lock] actions: resolving"
python3.11 -m venv "$work/actions" && "$work/actions/bin/pip" install -q pip==24.0
"$work/actions/bin/pip" install torch==2.13.0
"$work/actions/bin/pip" install --no-deps --ignore-requires-python rasa-sdk==3.6.2
pins actions.in > "$work/actions.txt"
"$work/actions/bin/pip" install -r "$work/actions.txt"
freeze "$work/actions" > actions.lock
echo "[lock] wrote rasa.lock ($(wc -l < rasa.lock) pins) and actions.lock ($(wc -l < actions.lock) pins)"
