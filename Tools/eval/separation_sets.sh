#!/usr/bin/env bash
# The separation evaluation's named clip sets, made once into a shared clip cache and run by any build beside it.
#
#   Tools/eval/separation_sets.sh generate CACHE SET...        make the clips (plain and footage) into CACHE/SET,
#                                                              then CACHE/SET/.ready
#   Tools/eval/separation_sets.sh run TANDEM CACHE OUT SET...  score TANDEM on them: OUT/SET/results{,-footage}.json
#
# Sets (separation_eval.py's --sets, --first-clip, --clips, --counts):
#   tune    tuning 0-11            check   tuning 12-20          wide   tuning-wide 0-8
#   ho      held-out 0-8           bNN     held-out NN..NN+8 (b36 ... b207: development; see --first-clip's help)
#   solo    one player: tuning and held-out 0-8 (--counts 1)
#   gtune gcheck gsolo gNN   the same seeds with the panels in two rows, one above another, lines between the cells
#                            (--layout grid: a video call's grid; session 31): give them a cache of their own
#   rtune rcheck rsolo rNN   the same two rows with no lines (--layout risers: players on risers, one camera)
# Logs beside the results (OUT/SET/plain.log, footage.log). Nice 10 so the machine's other work goes on.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# The virtualenv beside the checkout, as Tools/requirements.txt makes it (or PYTHON=...).
PYTHON=${PYTHON:-$HERE/../../../venv/bin/python}

set_args() {
    case "$1" in
        tune) echo "--sets tuning --first-clip 0 --clips 12" ;;
        check) echo "--sets tuning --first-clip 12 --clips 9" ;;
        wide) echo "--sets tuning-wide --first-clip 0 --clips 9" ;;
        ho) echo "--sets held-out --first-clip 0 --clips 9" ;;
        solo) echo "--sets tuning held-out --first-clip 0 --clips 9 --counts 1" ;;
        b[0-9]*) echo "--sets held-out --first-clip ${1#b} --clips 9" ;;
        gtune|gcheck|gsolo) echo "$(set_args "${1#g}") --layout grid" ;;
        g[0-9]*) echo "$(set_args "b${1#g}") --layout grid" ;;
        rtune|rcheck|rsolo) echo "$(set_args "${1#r}") --layout risers" ;;
        r[0-9]*) echo "$(set_args "b${1#r}") --layout risers" ;;
        *) echo "unknown set: $1" >&2; exit 2 ;;
    esac
}

usage() { sed -n 2,15p "$0"; exit 2; }
command=${1:-}; shift || true
case "$command" in
    generate)
        [ $# -ge 2 ] || usage
        cache=$1; shift
        for name in "$@"; do
            args=$(set_args "$name")
            mkdir -p "$cache/$name"
            nice -n 10 "$PYTHON" "$HERE/separation_eval.py" $args --generate-only --work "$cache/$name"
            nice -n 10 "$PYTHON" "$HERE/separation_eval.py" $args --generate-only --footage --work "$cache/$name"
            touch "$cache/$name/.ready"
            echo "made $cache/$name"
        done ;;
    run)
        [ $# -ge 4 ] || usage
        tandem=$1 cache=$2 out=$3; shift 3
        for name in "$@"; do
            args=$(set_args "$name")
            mkdir -p "$out/$name"
            nice -n 10 "$PYTHON" "$HERE/separation_eval.py" --tandem "$tandem" $args --clip-cache "$cache/$name" \
                --work "$out/$name" > "$out/$name/plain.log" 2>&1
            nice -n 10 "$PYTHON" "$HERE/separation_eval.py" --tandem "$tandem" $args --clip-cache "$cache/$name" \
                --work "$out/$name" --footage > "$out/$name/footage.log" 2>&1
            echo "scored $out/$name"
        done ;;
    *) usage ;;
esac
