#!/usr/bin/env bash
# run-fuzz.sh BINARY SECONDS CORPUS REGRESSIONS ARTIFACTS [LIBFUZZER-OPTION...]
#
# One fuzz ctest: replay every committed regression input, then fuzz for
# SECONDS starting from copies of CORPUS and REGRESSIONS (the repository's
# files are never written), with the target's dictionary when there is one.
# Exits non-zero when libFuzzer finds a crash, a leak, a timeout or an
# invariant violation; the input it saved is left in ARTIFACTS.
set -euo pipefail
bin=$1 secs=$2 corpus=$3 regress=$4 artifacts=$5
shift 5
name=$(basename "$bin")
dict="$(dirname "$0")/$name.dict"

work=$(mktemp -d "${TMPDIR:-/tmp}/tcfs-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/regressions" "$artifacts"
[[ -d $corpus ]] && cp -R "$corpus"/. "$work/corpus"/
[[ -d $regress ]] && cp -R "$regress"/. "$work/regressions"/

opts=(-max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$artifacts/" "$@")
[[ -f $dict ]] && opts+=(-dict="$dict")

# Every past finding must stay fixed; run them one by one so a failure
# names its file.
shopt -s nullglob
for f in "$work/regressions"/*; do
    if ! "$bin" -runs=1 "$f" >"$work/replay.log" 2>&1; then
        cat "$work/replay.log" >&2
        echo "run-fuzz: $name fails on regression input $(basename "$f")" >&2
        exit 1
    fi
done

# New inputs go to the first directory (the temporary copy of the corpus).
status=0
"$bin" "${opts[@]}" "$work/corpus" "$work/regressions" || status=$?
if ((status != 0)); then
    echo "run-fuzz: $name found a problem (exit $status); the input is in $artifacts/" >&2
    ls -l "$artifacts" >&2 || true
    exit 1
fi
echo "run-fuzz: $name ran ${secs}s; corpus $(ls "$corpus" 2>/dev/null | wc -l) -> $(ls "$work/corpus" | wc -l) files"
