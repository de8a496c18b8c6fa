#!/bin/sh
# The layers (TAP): every #include "..." of src/ names a header of its own directory, of
# include/, or of a layer its directory may use. The same table as the include paths of
# Makefile.am (*_CPPFLAGS): the build refuses most violations already, this test also
# catches one that a wider include path (a test's, a fuzzer's) would let through.
# The last case: the modules (a .c and its .h are one) and their includes form a DAG, no
# cycle such as a.c including b.h while b.c includes a.h (tsort(1) finds the loops).
# Usage: check_layers.sh [SRCDIR]  (default: $top_srcdir)
set -u
top=${1:-${top_srcdir:-.}}

# layer: the layers it may include from, besides itself
allowed() {
	case "$1" in
	common) echo "" ;;
	mail) echo "common" ;;
	daemon) echo "common mail" ;;
	report) echo "common mail" ;;
	ctl) echo "common" ;;
	*) echo "UNKNOWN" ;;
	esac
}

layers=$(cd "$top/src" && ls -d */ | tr -d /)
n=0
fails=0
report=$(mktemp)
edges=$(mktemp)
trap 'rm -f "$report" "$edges" "$edges.loops"' EXIT
echo "1..$(($(echo $layers | wc -w) + 1))"
for layer in $layers; do
	n=$((n + 1))
	ok=0
	may=$(allowed "$layer")
	if [ "$may" = UNKNOWN ]; then
		echo "# src/$layer: a directory the layer table does not know (add it here and in Makefile.am)"
		ok=1
	fi
	for f in "$top/src/$layer"/*.[ch]; do
		[ -e "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' >"$report"
		while read -r line hdr; do
			found=
			for d in "$layer" $may; do
				[ -f "$top/src/$d/$hdr" ] && found=$d && break
			done
			[ -z "$found" ] && [ -f "$top/include/$hdr" ] && found=include
			if [ -n "$found" ]; then
				mod=${f##*/}
				echo "$layer/${mod%.*} $found/${hdr%.h}" >>"$edges"
				continue
			fi
			where=$(cd "$top/src" && ls */"$hdr" 2>/dev/null | head -1)
			if [ -n "$where" ]; then
				echo "# src/$layer/${f##*/}:$line: includes $where; layer $layer may use only: $layer ${may:-(itself)}"
			else
				echo "# src/$layer/${f##*/}:$line: \"$hdr\" is in none of the layers $layer may use"
			fi
			echo x >>"$report.bad"
		done <"$report"
	done
	if [ -s "$report.bad" ]; then ok=1; fi
	rm -f "$report.bad"
	if [ $ok = 0 ]; then
		echo "ok $n - src/$layer includes only from: $layer ${may:-(itself)}"
	else
		echo "not ok $n - src/$layer includes across a forbidden layer"
		fails=$((fails + 1))
	fi
done
n=$((n + 1))
# tsort reads pairs "a b" (a before b); a self-edge (x.c including x.h) is no loop.
awk '$1 != $2' "$edges" | tsort >/dev/null 2>"$edges.loops"
if [ -s "$edges.loops" ]; then
	sed 's/^/# /' "$edges.loops"
	echo "not ok $n - the modules of src/ include each other in a cycle"
	fails=$((fails + 1))
else
	echo "ok $n - the includes of src/ form a DAG ($(awk '$1 != $2' "$edges" | sort -u | wc -l) module edges)"
fi
[ $fails = 0 ]
