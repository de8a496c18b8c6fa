#!/bin/sh
# envmond -t: the shipped example is valid (exit 0); a broken configuration exits 78
# with every error as file:line: message.
set -u
envmond="$top_builddir/src/daemon/envmond"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$envmond" -t -c "$top_srcdir/etc/envmond.conf" || { echo "FAIL: example rejected"; fail=1; }

mkdir "$tmp/profiles"
cp "$top_srcdir"/etc/profiles/*.conf "$tmp/profiles/"
cat >"$tmp/bad.conf" <<'CONF'
site = { name = "T"; code = "T"; contacts = { arsit = [ "a@example.org" ]; }; };
paths = { profiles_dir = "profiles"; };
storage = { step = 1; };
devices = ( { name = "u"; profile = "nope"; snmp = { host = "h"; }; } );
CONF
"$envmond" -t -c "$tmp/bad.conf" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 78 ] || { echo "FAIL: exit $rc, expected 78"; fail=1; }
grep -q "bad.conf:3: 'step' = 1 is out of range" "$tmp/out" || { echo "FAIL: no step error"; fail=1; }
grep -q "bad.conf:4: unknown profile \"nope\"" "$tmp/out" || { echo "FAIL: no profile error"; fail=1; }
cat "$tmp/out"

# In French when the locale is French (C.UTF-8 + LANGUAGE, which every Debian has).
gmo="$top_builddir/po/fr.gmo"; [ -f "$gmo" ] || gmo="$top_srcdir/po/fr.gmo"
if [ -f "$gmo" ]; then
    mkdir -p "$tmp/locale/fr/LC_MESSAGES"
    cp "$gmo" "$tmp/locale/fr/LC_MESSAGES/envmond.mo"
    ENVMOND_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=fr "$envmond" -t -c "$tmp/bad.conf" >"$tmp/out.fr" 2>&1
    grep -q "bad.conf:4: profil inconnu" "$tmp/out.fr" || { echo "FAIL: not in French:"; cat "$tmp/out.fr"; fail=1; }
fi
exit $fail
