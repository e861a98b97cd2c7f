#!/usr/bin/env bash
# Train the default-size model on a lent GPU machine in one call of the device tool:
#
#   run(command="INIT=default MINUTES=7 bash scripts/device_train.sh", timeout_s=600,
#       carry=["corpora/physics", "corpora/default"])
#
# Carrying the two corpora built here (44 MB, within the 64 MiB the tree may take) saves the
# minutes of generating them on device time: a complete corpus is only re-read (~10 s).
# That machine has PyTorch and every eqlearn dependency but no network: eqlearn runs from
# this source tree with the machine's own python3. Steps: generate the two corpora of the
# shipped model (seed 0, Feynman/Nguyen excluded), measure throughput on the device (the
# GPU figure of the model card), size the cosine schedule to MINUTES of training, train,
# and copy the best checkpoint (float32, under 16 MiB), the log and the figures to $OUT.
# Back here: `python scripts/ship_model.py <files_at>/best` once it is measured better.
#
# Settings (environment): INIT (a model to fine-tune, e.g. "default"; empty: from scratch),
# MINUTES (training wall time, default 7), DEVICE (cuda), BATCH (256), LR (8e-4),
# WORKERS (12 DataLoader processes), MAX_POINTS (500: the priors' own 10-500 points per sample),
# N_PHYSICS / N_DEFAULT (corpus sizes, 400000 / 300000).
# A small CPU rehearsal: DEVICE=cpu MINUTES=0.5 BATCH=16 WORKERS=1 N_PHYSICS=3000 \
#     N_DEFAULT=2000 OUT=/tmp/rehearsal bash scripts/device_train.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
[ -x .venv/bin/python ] && [ "${DEVICE:-cuda}" = cpu ] && PY=.venv/bin/python
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
OUT=${OUT:-runs/device_out}
DEVICE=${DEVICE:-cuda}; MINUTES=${MINUTES:-7}; BATCH=${BATCH:-256}; LR=${LR:-8e-4}
WORKERS=${WORKERS:-12}; MAX_POINTS=${MAX_POINTS:-500}; N_PHYSICS=${N_PHYSICS:-400000}; N_DEFAULT=${N_DEFAULT:-300000}
RUN=runs/device
mkdir -p "$OUT"
gen_workers=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))
$PY -m eqlearn generate --prior physics --n "$N_PHYSICS" --seed 0 --workers "$gen_workers" \
    --exclude feynman,nguyen --out corpora/physics --no-progress
$PY -m eqlearn generate --prior default --n "$N_DEFAULT" --seed 0 --workers "$gen_workers" \
    --exclude feynman,nguyen --out corpora/default --no-progress
$PY benchmarks/train_throughput.py --corpus corpora/physics --device "$DEVICE" \
    --batch-size "$BATCH" --max-points "$MAX_POINTS" --steps 20 --out "$OUT/throughput_$DEVICE.json"
steps=$($PY - "$OUT/throughput_$DEVICE.json" "$MINUTES" "$BATCH" "$WORKERS" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
minutes, batch, workers = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# the network's rate, unless the batch makers (one process measured) cannot keep up
rate = min(t["step_samples_per_s"], 0.7 * workers * t["data_samples_per_s"])
print(max(10, int(0.85 * rate * minutes * 60 / batch)))  # 15 % for validation and saving
EOF
)
echo "training $steps steps of $BATCH on $DEVICE"
$PY -m eqlearn train --corpus corpora/physics --corpus corpora/default --weight 0.55 \
    --weight 0.45 ${INIT:+--init "$INIT"} --out "$RUN" --steps "$steps" --batch-size "$BATCH" \
    --lr "$LR" --warmup $(( steps / 20 + 1 )) --max-points "$MAX_POINTS" \
    --max-hours "$($PY -c "print(1.1 * $MINUTES / 60)")" --valid-every $(( steps / 4 + 1 )) \
    --valid-size 100 --num-workers "$WORKERS" --device "$DEVICE" --seed 2
mkdir -p "$OUT/best"
cp "$RUN/best/config.json" "$RUN/best/model.safetensors" "$OUT/best/"
cp "$RUN/train_log.jsonl" "$OUT/"
echo "checkpoint and log in $OUT"
