#!/usr/bin/env bash
# Rebuild the shipped default model from public history. Anyone can rerun it:
#
#   for r in psf/requests pallets/flask celery/celery aio-libs/aiohttp urllib3/urllib3 \
#            grpc/grpc-go redis/go-redis axios/axios fastify/fastify square/okhttp; do
#     git clone --mirror "https://github.com/$r" "mirrors/${r/\//+}/repo"
#   done
#   models/default/recipe.sh mirrors work
#
# MIRRORS holds one bare mirror per repository at MIRRORS/<owner>+<name>/repo. Datasets go to WORK
# (never committed); the model, its card and the evaluation plots are written into this folder.
set -euo pipefail
MIRRORS=${1:?usage: recipe.sh MIRRORS_DIR [WORK_DIR]}
WORK=${2:-work}
HERE=$(cd "$(dirname "$0")" && pwd)
REPOS="psf/requests pallets/flask celery/celery aio-libs/aiohttp urllib3/urllib3 grpc/grpc-go redis/go-redis axios/axios fastify/fastify square/okhttp"
mkdir -p "$WORK"
data=()
for r in $REPOS; do
  dir="$MIRRORS/${r/\//+}/repo"
  out="$WORK/${r/\//+}.jsonl"
  [ -s "$out" ] || mergeguard mine --repo "$dir" --name "$r" --out "$out" --report "$WORK/${r/\//+}.report.json" --quiet
  data+=("$out")
done
mergeguard train "${data[@]}" --out "$HERE" --name mergeguard-default --model-version "${MODEL_VERSION:-$(date +%Y.%m)}"
mergeguard evaluate --model "$HERE" "${data[@]}" --mode both --ablation each --plots "$HERE/figures" --update-card | tee "$WORK/evaluation.txt"
