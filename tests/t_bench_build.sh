#!/bin/sh
# The benchmark programs of `make bench` (tests/bench/*.c) must keep compiling; then, as
# root, `make bench` in its quick mode must run and render its table (no timing checked).
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp -d /tmp/ctr-bench-build.XXXXXX)
trap 'rm -rf "$out"' EXIT
KH=build/kheaders/native
for src in tests/bench/*.c; do
	name=$(basename "$src" .c)
	if [ "$name" = sclen ]; then
		# includes ../../ctr.c: the library's warning flags and the kernel headers for musl
		set -- -std=gnu11 -Wall -Wextra -Werror -Wno-unused-function -O1 -isystem "$KH"
	else
		set -- -static -O2 -Wall -Wextra -Werror
	fi
	if log=$(musl-gcc "$@" -o "$out/$name" "$src" 2>&1); then
		echo "PASS bench_build_$name"
	else
		echo "FAIL bench_build_$name: $(echo "$log" | head -3 | tr '\n' ' ')"
	fi
done

# `make bench` itself, in its quick mode (a few samples: it runs and renders, no timing is
# checked), with ctr alone, as on a host without crun and runc: the table must say so.
NAMES="bench_quick_runs bench_quick_results bench_quick_renders"
. tests/lib.sh
at_exit "rm -rf '$out'"
is_root || skip_all "needs root"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v busybox >/dev/null || skip_all "busybox-static is not installed"
for p in rtime floor sysloop listfloor sclen bpflen; do
	[ -x "$out/$p" ] || fail_all "bench program $p did not build"
done
printf '# t\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n\nafter\n' > "$out/README.md"
if BENCH_QUICK=1 BENCH_RUNTIMES=ctr BENCH_CTR="$CTR" BENCH_BIN="$out" BENCH_OUT="$out" \
	BENCH_README="$out/README.md" python3 tests/bench/bench.py > "$out/bench.log" 2>&1; then
	pass bench_quick_runs
else
	fail "bench_quick_runs: $(tail -n 3 "$out/bench.log" | tr '\n' ' ')"
fi
# every row of the budget table has a measurement behind it (numbers, not their values)
check bench_quick_results python3 - "$out/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["scale"]["ctr"]
need = [r["start"]["ctr"]["wall_ms"]["median"], r["start"]["ctr"]["cpu_ms"]["median"],
        r["exec"]["ctr"]["wall_ms"]["median"], c["list_at_10"]["wall_ms"]["median"],
        c["listjson_at_10"]["wall_ms"]["median"], r["scale"]["floor"]["list_at_10"]["wall_ms"]["median"],
        r["memory"]["ctr"]["netns_min_limit_kb"], r["memory"]["ctr"]["nonetns_min_limit_kb"],
        r["parse"]["parse_kb"], r["size"]["ctr"]]
ok = all(isinstance(x, (int, float)) for x in need) and r["parse"]["file_bytes"] > 2000000 and \
    set(r["missing"]) == {"crun", "runc"} and r["quick"] is True
sys.exit(0 if ok else 1)
PY
readme_ok() {
	f=$out/README.md
	grep -q '^| measure | ctr now | budget | |$' "$f" && grep -q '^| `list` at 10 containers' "$f" &&
		grep -q 'crun: not asked' "$f" && grep -q '| not asked (BENCH_RUNTIMES) |' "$f" &&
		! grep -q '^old$' "$f" && grep -q '^after$' "$f" && grep -q '^<!-- bench:end -->$' "$f"
}
check bench_quick_renders readme_ok
