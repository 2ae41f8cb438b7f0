#!/usr/bin/env bash
# Build the SAT extensions (solver and DIMACS reader) with AddressSanitizer + UBSan into the tree, run the
# SAT solver tests under the sanitizers, then rebuild the normal way.
#   tools/sanitize-test.sh [pytest args...]     (default: the solver tests)
set -u
cd "$(dirname "$0")/.."
ext=optsolve.sat._cdcl,optsolve.sat._dimacs
build() {
  OPTSOLVE_ONLY=$ext "$@" python setup.py build_ext --inplace --force -q 2>&1 |
    grep -Ev '^(gcc|running|copying|building|creating|cythoning)' || true
}
echo "== sanitized build"
build env OPTSOLVE_SANITIZE=1
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(tests/sat/test_dimacs.py tests/sat/test_solver.py tests/sat/test_fuzz_solver.py tests/sat/test_cli_sat.py)
echo "== tests under ASan+UBSan"
# Python itself is not built with ASan: leaks of the interpreter would drown
# ours, so leak detection stays off; everything else aborts on first error.
# pytest captures file descriptor 2, so the reports go to files shown below.
logs=$(mktemp -d)
LD_PRELOAD="$asan:$ubsan" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$logs/asan \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan \
  python -m pytest "${tests[@]}" -x -q -p no:cacheprovider
status=$?
for f in "$logs"/*; do
  [ -e "$f" ] && { echo "== $f"; cat "$f"; status=1; }
done
rm -rf "$logs"
echo "== normal build"
build env
exit $status
