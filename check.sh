#!/usr/bin/env bash
# Builds envmond and runs its whole test suite on a Debian 12 machine:
#   1. installs the build and test packages that are missing (contrib/install-deps.sh),
#   2. builds twice, plainly and with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. checks the test peers themselves (pytest, tests/peers), runs the unit and
#      simulation tests (make check) and the system tests against real peers (pytest,
#      tests/system) on both builds, then `make distcheck`.
# The last line is "N passed, N failed". Exit status 0 only if nothing failed.
# Options: --quick (plain build only, no distcheck), -k EXPR (pytest selection).
set -u
cd "$(dirname "$0")"
top=$PWD
quick=no
select=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=yes ;;
        -k) shift; select=(-k "$1") ;;
        *) echo "usage: $0 [--quick] [-k PYTEST-EXPR]" >&2; exit 2 ;;
    esac
    shift
done
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
start=$(date +%s)
log() { printf '==> [%5d s] %s\n' "$(( $(date +%s) - start ))" "$*"; }

count_automake() {  # test-suite.log of a build dir
    local f="$1/test-suite.log" p=0 x=0
    if [ -f "$f" ]; then
        p=$(sed -n 's/^# PASS: *//p' "$f")
        x=$(( $(sed -n 's/^# FAIL: *//p' "$f") + $(sed -n 's/^# ERROR: *//p' "$f") + $(sed -n 's/^# XPASS: *//p' "$f") ))
    else
        x=1
    fi
    passed=$((passed + ${p:-0})); failed=$((failed + ${x:-1}))
}

count_junit() {  # pytest's junit XML
    local r
    r=$(/usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skip = sum(int(s.get("skipped", 0)) for s in suites)
print(t - bad - skip, bad)
PY
)
    passed=$((passed + ${r% *})); failed=$((failed + ${r#* }))
}

build() {  # build DIR [configure args]
    local dir="$1"; shift
    mkdir -p "$dir"
    ( cd "$dir" && { [ -f Makefile ] || "$top/configure" --enable-werror "$@" >configure.out 2>&1 ||
                     { cat configure.out; exit 1; }; } && make -j"$jobs" >make.out 2>&1 ||
                     { tail -50 make.out; exit 1; } )
}

run_suite() {  # run_suite DIR NAME
    local dir="$1" name="$2"
    log "unit and simulation tests ($name)"
    ( cd "$dir" && make -j"$jobs" check >check.out 2>&1 )
    grep -E '^(FAIL|ERROR|XPASS):' "$dir/check.out" | head -40
    if [ -d tests/system ] && ls tests/system/test_*.py >/dev/null 2>&1; then
        log "system tests against real peers ($name)"
        # Most system tests wait on peers and timers: three at a time (pytest-xdist).
        ENVMOND_BUILDDIR="$top/$dir" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n 3 \
            --junitxml="$dir/system.xml" "${select[@]}" tests/system >"$dir/system.out" 2>&1
        tail -25 "$dir/system.out"
    fi
}

run_fault() {  # run_fault DIR: the fault suite (tests/fault) on one build, its table of figures
    local dir="$1"
    [ -d tests/fault ] || return 0
    log "fault suite: kill -9, mail server down, full disks, damaged state, device faults"
    ENVMOND_BUILDDIR="$top/$dir" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 \
        --junitxml="$dir/fault.xml" "${select[@]}" tests/fault >"$dir/fault.out" 2>&1
    sed -n '/fault suite figures/,$p' "$dir/fault.out"
    grep -E '^(FAILED|ERROR) ' "$dir/fault.out" | head -20
}

# The libFuzzer harnesses of tests/fuzz, built with clang (ASan + UBSan), 30 s each from
# their committed seeds, two at a time; one result per harness. Skipped without clang.
run_fuzzers() {
    if ! command -v clang >/dev/null 2>&1; then
        log "fuzzing skipped: no clang"
        return
    fi
    log "fuzzing (libFuzzer, ${FUZZ_SECONDS:-30} s per harness)"
    build _build/fuzz CC=clang --enable-fuzzing --disable-tests || return
    ( cd _build/fuzz && make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >fuzz.out 2>&1 )
    grep -E '^(PASS|FAIL)|ERROR|runtime error|Assertion' _build/fuzz/fuzz.out | head -20
}

log "dependencies"
contrib/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    log "autoreconf"
    autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; echo "0 passed, 1 failed"; exit 1; }
fi

log "test peers (the simulated agents, servers and relay the system tests rely on)"
mkdir -p _build
/usr/bin/python3 -m pytest -q -p no:cacheprovider -n 2 --junitxml=_build/peers.xml "${select[@]}" \
    tests/peers >_build/peers.out 2>&1
tail -3 _build/peers.out
count_junit _build/peers.xml

# Two lanes run side by side, each in its own build directory: the plain build (its suites, the
# fault suite, distcheck) and the sanitizer build (its suites, then the fuzzers). Most system and
# fault tests wait on peers and timers, so the lanes share the cores well; each lane writes its
# own log and counts, which are read back here in a fixed order once both are done.
lane_plain() {
    log "build"
    build _build/check || { echo 1 >_build/check.buildfail; return; }
    run_suite _build/check plain
    run_fault _build/check
    if [ $quick = no ]; then
        log "make distcheck"
        # The whole suite has just run on this tree: distcheck proves the tarball builds, installs,
        # uninstalls and runs a few of its tests from a read-only source tree.
        if ( cd _build/check && make -j"$jobs" distcheck \
                 TESTS='tests/unit/test_config tests/unit/test_jrec tests/unit/envmond_check_examples.sh' \
                 >distcheck.out 2>&1 ); then
            echo 0 >_build/distcheck.rc
        else
            tail -40 _build/check/distcheck.out
            echo 1 >_build/distcheck.rc
        fi
    fi
}

lane_asan() {
    log "build with AddressSanitizer and UndefinedBehaviorSanitizer"
    export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:halt_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    build _build/asan --enable-sanitizers || { echo 1 >_build/asan.buildfail; return; }
    run_suite _build/asan sanitizers
    unset ASAN_OPTIONS UBSAN_OPTIONS
    run_fuzzers
}

# The Debian package (make check-deb, tests/pkg/run.sh): built, lintian-checked, installed,
# upgraded, removed and purged on this machine, which it leaves as it found it. Root only,
# and only when envmond is not installed here otherwise (the test skips itself then);
# its packages (install-deps.sh --pkg) are installed only for it. About 45 s alone.
lane_pkg() {
    if [ "$(id -u)" != 0 ]; then
        log "package test skipped: not root"; echo skip >_build/pkg.rc; return
    fi
    log "Debian package: make deb, lintian, install, upgrade, remove, purge"
    contrib/install-deps.sh --pkg || { echo 1 >_build/pkg.rc; return; }
    mkdir -p _build/pkg
    ( cd _build/pkg && { [ -f Makefile ] || "$top/configure" -q >configure.out 2>&1; } &&
      make check-deb >check-deb.out 2>&1 )
    echo $? >_build/pkg.rc
    grep -E '^(ok|not ok|1\.\.)|^E: |^W: ' _build/pkg/check-deb.out | grep -v '^ok' | head -20
    grep -c '^ok' _build/pkg/check-deb.out | sed 's/$/ package checks passed/'
}

# Counting happens in this shell: the lanes only print and leave files behind.
count_lane() {  # count_lane DIR: what a lane's build directory holds
    local dir="$1"
    if [ -f "$dir.buildfail" ]; then failed=$((failed + 1)); return; fi
    count_automake "$dir"
    if ls tests/system/test_*.py >/dev/null 2>&1; then count_junit "$dir/system.xml"; fi
    if [ "$dir" = _build/check ] && [ -d tests/fault ]; then count_junit "$dir/fault.xml"; fi
    return 0
}

rm -f _build/*.buildfail _build/distcheck.rc _build/pkg.rc _build/fuzz/fuzz.out _build/*/system.xml \
    _build/*/fault.xml
lane_plain >_build/lane-plain.log 2>&1 &
plain_pid=$!
lane_pkg >_build/lane-pkg.log 2>&1 &
pkg_pid=$!
if [ $quick = no ]; then
    lane_asan >_build/lane-asan.log 2>&1 &
    asan_pid=$!
    wait "$asan_pid"
fi
wait "$plain_pid"
cat _build/lane-plain.log
count_lane _build/check
wait "$pkg_pid"
cat _build/lane-pkg.log
# Each "ok" of tests/pkg/run.sh counts; a failure anywhere in make check-deb counts once more.
if [ -f _build/pkg/check-deb.out ]; then
    passed=$((passed + $(grep -c '^ok ' _build/pkg/check-deb.out)))
    failed=$((failed + $(grep -c '^not ok ' _build/pkg/check-deb.out)))
fi
case "$(cat _build/pkg.rc 2>/dev/null)" in
    0|skip) ;;
    *) grep -q '^not ok ' _build/pkg/check-deb.out 2>/dev/null || failed=$((failed + 1)) ;;
esac
if [ $quick = no ]; then
    cat _build/lane-asan.log
    count_lane _build/asan
    if [ -f _build/fuzz/fuzz.out ]; then
        passed=$((passed + $(grep -c '^PASS: ' _build/fuzz/fuzz.out)))
        failed=$((failed + $(grep -c '^FAIL: ' _build/fuzz/fuzz.out)))
        grep -q '^PASS: \|^FAIL: ' _build/fuzz/fuzz.out || failed=$((failed + 1))
    elif command -v clang >/dev/null 2>&1; then
        failed=$((failed + 1))   # the fuzz build failed
    fi
    case "$(cat _build/distcheck.rc 2>/dev/null)" in
        0) passed=$((passed + 1)) ;;
        *) failed=$((failed + 1)) ;;
    esac
fi
log "done"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
