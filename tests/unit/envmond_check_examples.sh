#!/bin/sh
# envmond -t (TAP): the shipped example is valid (exit 0); a broken configuration exits
# 78 with every error as file:line: message, in French when the locale is French.
set -u
envmond="$top_builddir/src/daemon/envmond"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

echo "1..14"
# As shipped, the example is refused (it describes a fictitious court) with what to do;
# once its `example = true;` line is removed, it is valid.
"$envmond" -t -c "$top_srcdir/etc/envmond.conf" >"$tmp/example" 2>&1
rc=$?; sed 's/^/# /' "$tmp/example"
[ $rc -eq 78 ] && grep -q 'envmond.conf:[0-9]*: this is the example configuration: .*remove the line "example = true;"' "$tmp/example"
ok $? "the shipped example is refused by envmond -t until edited, with what to do"
mkdir "$tmp/plain"
sed -e '/^example = true;/d' -e 's|^  #profiles_dir = .*|  profiles_dir = "'"$top_srcdir"'/etc/profiles";|' \
    "$top_srcdir/etc/envmond.conf" >"$tmp/plain/envmond.conf"
"$envmond" -t -c "$tmp/plain/envmond.conf" >"$tmp/plain.out" 2>&1
rc=$?; sed 's/^/# /' "$tmp/plain.out"
[ $rc -eq 0 ]; ok $? "the example without its example line passes envmond -t"

# With the secret settings its comments describe uncommented (SMTP AUTH, SNMPv3), and
# the secret files beside it: valid when only the daemon can read them, refused when
# others can.
mkdir "$tmp/example.d"
sed -e 's/^  #\(user\|password_file\) =/  \1 =/' \
    -e 's/^    #snmp = /    snmp = /' -e 's/^    #         /             /' \
    -e '/version = "2c"; community/d' -e '/^example = true;/d' \
    -e 's|^  #profiles_dir = .*|  profiles_dir = "profiles";|' \
    "$top_srcdir/etc/envmond.conf" >"$tmp/example.d/envmond.conf"
cp -R "$top_srcdir/etc/profiles" "$tmp/example.d/"
(umask 077; for f in smtp.secret ups-general.auth ups-general.priv; do
  echo "example-secret-$f" >"$tmp/example.d/$f"; done)
"$envmond" -t -c "$tmp/example.d/envmond.conf" >"$tmp/example.secrets" 2>&1
rc=$?; sed 's/^/# /' "$tmp/example.secrets"
[ $rc -eq 0 ] && grep -q "auth_pass_file" "$tmp/example.d/envmond.conf" &&
  grep -q "^  password_file" "$tmp/example.d/envmond.conf"
ok $? "the example with its secret files (0600) passes envmond -t"
chmod 644 "$tmp/example.d/smtp.secret"
"$envmond" -t -c "$tmp/example.d/envmond.conf" >"$tmp/example.open" 2>&1
rc=$?; sed 's/^/# /' "$tmp/example.open"
[ $rc -eq 78 ] && grep -q "envmond.conf:[0-9]*: .*smtp.secret" "$tmp/example.open"
ok $? "a secret file readable by others is refused with file:line"

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
sed 's/^/# /' "$tmp/out"
[ $rc -eq 78 ]; ok $? "a broken configuration exits 78 (got $rc)"
grep -q "bad.conf:3: 'step' = 1 is out of range" "$tmp/out"; ok $? "the step error names file and line"
grep -q "bad.conf:4: unknown profile \"nope\"" "$tmp/out"; ok $? "the profile error names file and line"

# French: the catalogue of the build (or source) tree, C.UTF-8 + LANGUAGE=fr, which
# work on every Debian without generating a French locale.
gmo="$top_builddir/po/fr.gmo"; [ -f "$gmo" ] || gmo="$top_srcdir/po/fr.gmo"
mkdir -p "$tmp/locale/fr/LC_MESSAGES"
cp "$gmo" "$tmp/locale/fr/LC_MESSAGES/envmond.mo" 2>/dev/null
ENVMOND_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=fr "$envmond" -t -c "$tmp/bad.conf" >"$tmp/out.fr" 2>&1
sed 's/^/# /' "$tmp/out.fr"
grep -q "bad.conf:4: profil inconnu" "$tmp/out.fr"; ok $? "errors are in French with LANGUAGE=fr"

# A missing file is the file, not a line 0 of it.
"$envmond" -t -c "$tmp/nowhere.conf" >"$tmp/out" 2>&1
sed 's/^/# /' "$tmp/out"
[ "$(cat "$tmp/out")" = "$tmp/nowhere.conf: cannot read: No such file or directory" ]
ok $? "a missing configuration is FILE: cannot read: No such file or directory"

# Site profiles (profiles.d beside the configuration) replace the shipped ones by name;
# -t and --list-profiles say which file each profile came from.
mkdir -p "$tmp/site/profiles.d"
sed -e '/^example = true;/d' -e 's|^  #profiles_dir = .*|  profiles_dir = "'"$top_srcdir"'/etc/profiles";|' \
    "$top_srcdir/etc/envmond.conf" >"$tmp/site/envmond.conf"
sed 's/^  description = .*/  description = "site copy";/' "$top_srcdir/etc/profiles/ups-rfc1628.conf" \
    >"$tmp/site/profiles.d/my-ups.conf"
"$envmond" -t -c "$tmp/site/envmond.conf" >"$tmp/out" 2>&1
rc=$?; sed 's/^/# /' "$tmp/out"
[ $rc -eq 0 ] && grep -qx "  profile ups-rfc1628: $tmp/site/profiles.d/my-ups.conf, replacing $top_srcdir/etc/profiles/ups-rfc1628.conf" "$tmp/out" &&
  grep -qx "  profile ups-nut: $top_srcdir/etc/profiles/ups-nut.conf" "$tmp/out"
ok $? "-t names the file of each profile, a site one replacing the shipped one"
"$envmond" --list-profiles -c "$tmp/site/envmond.conf" >"$tmp/out" 2>/dev/null
rc=$?; sed 's/^/# /' "$tmp/out"
[ $rc -eq 0 ] && grep -q "^ups-rfc1628  *ups  *snmp  *[1-9][0-9]*  *$tmp/site/profiles.d/my-ups.conf (replaces $top_srcdir/etc/profiles/ups-rfc1628.conf)$" "$tmp/out" &&
  [ "$(grep -c '' "$tmp/out")" -eq $(( $(ls "$top_srcdir"/etc/profiles/*.conf | wc -l) + 1 )) ]
ok $? "--list-profiles lists every profile with its kind, protocol, users and file"
cp "$tmp/site/profiles.d/my-ups.conf" "$tmp/site/profiles.d/my-ups2.conf"
"$envmond" -t -c "$tmp/site/envmond.conf" >"$tmp/out" 2>&1
rc=$?; sed 's/^/# /' "$tmp/out"
[ $rc -eq 78 ] && grep -q "my-ups2.conf:1: profile \"ups-rfc1628\" is also defined in $tmp/site/profiles.d/my-ups.conf" "$tmp/out"
ok $? "two site profiles of one name are refused"

# libconfig's own syntax errors say what is expected, in French too.
printf 'site = { name = "T"; };\nalerts = { hold = 5m; };\n' >"$tmp/syn.conf"
"$envmond" -t -c "$tmp/syn.conf" >"$tmp/out" 2>&1
sed 's/^/# /' "$tmp/out"
grep -q "syn.conf:2: syntax error: a value is expected here: a number (durations are in seconds: 300, not 5m)" "$tmp/out"
ok $? "hold = 5m says durations are seconds"
printf 'specs = { room = { temperature = [18.0, 27]; }; };\n' >"$tmp/arr.conf"
ENVMOND_LOCALEDIR="$tmp/locale" LC_ALL=C.UTF-8 LANGUAGE=fr "$envmond" -t -c "$tmp/arr.conf" >"$tmp/out" 2>&1
sed 's/^/# /' "$tmp/out"
grep -q "arr.conf:1: les valeurs d'un tableau \[ ... \] doivent être toutes du même type" "$tmp/out"
ok $? "an array of two types is explained, in French"
