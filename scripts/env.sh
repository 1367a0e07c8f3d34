# Sourced by the scripts: the environment in which the lab and the tests run.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/tests/lab/collections:$root/.collections"
export ANSIBLE_PYTHON_INTERPRETER="$root/.venv/bin/python"
export ANSIBLE_CONFIG="$root/tests/lab/ansible.cfg"
export ANSIBLE_NOCOLOR=1
export ANSIBLE_HOST_KEY_CHECKING=False
export PYTHONDONTWRITEBYTECODE=1
export OSCC_LAB_BYTECODE_CACHE="$root/.cache/lab-bytecode"  # tests/lab/site/oscc_lab_bytecode.py
export ANSIBLE_CONNECTION_PLUGINS="$root/tests/lab/plugins/connection"
