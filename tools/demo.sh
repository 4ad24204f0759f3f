#!/usr/bin/env bash
# tools/demo.sh - install and build Nostos, then compile and run examples/demo.nos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
build/nostos run examples/demo.nos
