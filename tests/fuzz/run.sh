#!/bin/sh
# run.sh SECONDS CORPUS-DIR FUZZER... — runs each libFuzzer harness for SECONDS from
# CORPUS-DIR/<name without fuzz_>, two at a time (the CI machine has 2 cores). New inputs
# go to a scratch corpus in the build tree, never into the committed seeds; a crash
# leaves its input as fuzz-<name>.crash-* in the build tree. Prints one line per
# harness, "PASS: name: N runs" or "FAIL: name: why", and exits 1 if any failed.
set -u
secs=$1 seeds=$2
shift 2
jobs=${FUZZ_JOBS:-2}
LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS

run_one() {  # run_one FUZZER
    f=$1 name=$(basename "$1") key=${name#fuzz_}
    work=fuzz-corpus/$key log=fuzz-$name.log
    mkdir -p "$work"
    if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="fuzz-$name." "$work" "$seeds/$key" >"$log" 2>&1; then
        echo "PASS: $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in ${secs} s"
    else
        echo "FAIL: $name (see $log):"
        grep -E 'ERROR: |runtime error|Assertion|SUMMARY' "$log" | head -5
        return 1
    fi
}

rm -f fuzz-*.result
n=0
for f in "$@"; do
    run_one "$f" >"fuzz-$(basename "$f").result" &
    n=$((n + 1))
    if [ $((n % jobs)) -eq 0 ]; then wait; fi
done
wait
cat fuzz-*.result
! grep -q '^FAIL' fuzz-*.result
