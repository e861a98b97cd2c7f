#!/usr/bin/env bash
# Measure a candidate model against the shipped default, the way the model card does, on the
# same code in the same session (the ship-or-not decision of a training run):
#
#   bash scripts/compare_models.sh runs/tuned5/best run6
#
# 1. held-out skeletons of the two training corpora (`eqlearn evaluate-model`, 1000, beam 10,
#    with the fit figures of --fit-r2 0.999)
#    and benchmark recall (`benchmarks/benchmark_recall.py`), side by side on the two cores;
# 2. the neural-only benchmark (Feynman + Nguyen, <= 2 variables, 20 s, SEEDS seeds) for the
#    default and the candidate, then `scripts/compare_results.py` over both folders;
# 3. the flagship acceptance (`benchmarks/blackbody_acceptance.py`, 10 seeds) for both.
# Figures: benchmarks/results_model/NAME.json, recall_NAME.json; results/neural_{default,NAME}/;
# results/blackbody/{default,NAME}.json. Settings: SEEDS (2), STEPS ("1 2 3": which to run).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: compare_models.sh MODEL NAME}; NAME=${2:?usage: compare_models.sh MODEL NAME}
SEEDS=${SEEDS:-2}; STEPS=${STEPS:-"1 2 3"}
PY=.venv/bin/python; EQ=.venv/bin/eqlearn
export OMP_NUM_THREADS=1
mkdir -p benchmarks/results_model results/blackbody

if [[ $STEPS == *1* ]]; then
    $EQ evaluate-model --corpus corpora/physics --corpus corpora/default --n 1000 --beam 10 \
        --seed 0 --fit-r2 0.999 --model "$MODEL" --out "benchmarks/results_model/$NAME.json" &
    $PY benchmarks/benchmark_recall.py --model "$MODEL" \
        --out "benchmarks/results_model/recall_$NAME.json" &
    wait
fi
if [[ $STEPS == *2* ]]; then
    for who in default "$NAME"; do
        model=default; [ "$who" = default ] || model=$MODEL
        rm -rf "results/neural_$who"  # a bench folder resumes: start both afresh
        $EQ bench run --suite feynman,nguyen --methods eqlearn-neural --time 20 --max-vars 2 \
            --workers 2 --seeds "$SEEDS" --set "eqlearn-neural.model=$model" \
            --out "results/neural_$who"
    done
    $PY scripts/compare_results.py results/neural_default "results/neural_$NAME"
fi
if [[ $STEPS == *3* ]]; then
    for who in default "$NAME"; do
        model=default; [ "$who" = default ] || model=$MODEL
        OMP_NUM_THREADS=2 $PY benchmarks/blackbody_acceptance.py --seeds 10 --model "$model" \
            --out "results/blackbody/$who.json"
    done
fi
