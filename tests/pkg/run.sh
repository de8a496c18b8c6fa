#!/bin/sh
# The Debian package's life on this machine (TAP), as root: install, configure, upgrade,
# remove, purge, then the machine as it was found.
#   tests/pkg/run.sh DEB
# DEB is envmond_*.deb from `make deb`. The upgrade goes to a package rebuilt from it with
# dpkg-deb (version +pkgtest1, one shipped profile and the example configuration changed):
# a second dpkg-buildpackage would double the test's time for no more coverage of the
# maintainer scripts, which are the same. Exit 77 (skip) when not root, or when envmond
# is already on this machine in any form (the test would change it).
set -u
deb=${1:?usage: tests/pkg/run.sh DEB}
case "$deb" in /*) ;; *) deb="$PWD/$deb" ;; esac
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP not root"; exit 77; }
for p in dpkg dpkg-deb snmptranslate; do
    command -v $p >/dev/null || { echo "1..0 # SKIP $p missing"; exit 77; }
done
if dpkg-query -W envmond >/dev/null 2>&1 || [ -e /etc/envmond ] || [ -e /var/lib/envmond ] ||
   [ -e /usr/share/envmond ]; then
    echo "1..0 # SKIP envmond is already installed here: the package test would change it"
    exit 77
fi
user_before=no
getent passwd envmond >/dev/null && user_before=yes
group_before=no
getent group envmond >/dev/null && group_before=yes

tmp=$(mktemp -d)
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
show() { sed 's/^/# /' "$@"; }

# What the package may touch, as a list to compare before and after (only envmond's
# entries: other suites running meanwhile may add their own users and files).
snapshot() {
    {
        find /etc /lib/systemd /usr/lib/nagios /usr/share/snmp /var/lib/systemd /var/lib/envmond \
            /usr/share/envmond /usr/sbin /usr/bin /usr/lib/sysusers.d \
            \( -name '*envmon*' -o -name 'check_envmon' -o -name 'ENVMON-MIB*' \) -print 2>/dev/null
        getent passwd envmond
        getent group envmond
        getent group dialout | tr ':,' '\n\n' | grep -x envmond
    } | sort
}

# Whatever happens, the package goes and what it made with it.
cleanup() {
    dpkg-query -W envmond >/dev/null 2>&1 && dpkg --purge envmond >"$tmp/cleanup.out" 2>&1
    rm -rf /etc/envmond /var/lib/envmond
    [ $user_before = no ] && getent passwd envmond >/dev/null && userdel envmond
    [ $group_before = no ] && getent group envmond >/dev/null && groupdel envmond
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

snapshot >"$tmp/before"
echo "1..18"

# ---------------------------------------------------------------- the upgrade package
mkdir "$tmp/v2"
dpkg-deb -R "$deb" "$tmp/v2/root"
sed -i 's/^Version: .*/&+pkgtest1/' "$tmp/v2/root/DEBIAN/control"
echo "# pkgtest: a comment the next release added" >>"$tmp/v2/root/etc/envmond/envmond.conf"
sed -i 's/^  description = "\(.*\)";/  description = "\1 (pkgtest1)";/' \
    "$tmp/v2/root/usr/share/envmond/profiles/ups-apc-powernet.conf"
(cd "$tmp/v2/root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum \
    >DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$tmp/v2/root" "$tmp/v2/envmond_v2.deb" >/dev/null
grep -q "(pkgtest1)" "$tmp/v2/root/usr/share/envmond/profiles/ups-apc-powernet.conf"
ok $? "an upgrade package is made, with a changed shipped profile and example"

# ---------------------------------------------------------------- install
dpkg -i "$deb" >"$tmp/install.out" 2>&1
rc=$?; show "$tmp/install.out"
[ $rc -eq 0 ] && grep -q 'remove its line "example = true;"' "$tmp/install.out"
ok $? "dpkg -i installs it and says what to do next"
getent passwd envmond >/dev/null && id -nG envmond | tr ' ' '\n' | grep -qx dialout &&
    [ "$(stat -c '%U:%G %a' /var/lib/envmond)" = "envmond:envmond 750" ]
ok $? "the envmond user exists, in dialout, and owns /var/lib/envmond (0750)"
dpkg-query -W -f='${Conffiles}\n' envmond | grep -q '^ /etc/envmond/envmond.conf '
ok $? "/etc/envmond/envmond.conf is a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/envmond.service ] &&
    grep -q '^ExecStartPre=/usr/sbin/envmond -t -c /etc/envmond/envmond.conf$' /lib/systemd/system/envmond.service
ok $? "the unit is enabled, with envmond -t before the start"
/usr/sbin/envmond -t -c /etc/envmond/envmond.conf >"$tmp/t.out" 2>&1
rc=$?; show "$tmp/t.out"
[ $rc -eq 78 ] && grep -q '^/etc/envmond/envmond.conf:[0-9]*: this is the example configuration' "$tmp/t.out"
ok $? "the unit's envmond -t refuses the example, so the daemon does not start before it is edited"
# net-snmp's own search path (printed by its init_mib debug token) holds the MIB's link.
mibpath=$(snmptranslate -Dinit_mib -m none .1 2>&1 | sed -n "s/.*Looking in '\([^']*\)'.*/\1/p" | head -1)
[ -x /usr/lib/nagios/plugins/check_envmon ] && [ -f /usr/share/man/man8/envmond.8.gz ] &&
    [ -f /usr/share/man/fr/man5/envmond.conf.5.gz ] &&
    grep -q "^envmonMIB MODULE-IDENTITY" /usr/share/snmp/mibs/ENVMON-MIB.txt &&
    case ":$mibpath:" in *:/usr/share/snmp/mibs:*) true ;; *) false ;; esac
ok $? "check_envmon, the man pages and ENVMON-MIB are where their tools look"

# ---------------------------------------------------------------- the site configures it
sed -i '/^example = true;/d' /etc/envmond/envmond.conf
sed 's/^  description = "\(.*\)";/  description = "\1 (site copy)";/' \
    /usr/share/envmond/profiles/ups-rfc1628.conf >/etc/envmond/profiles.d/ups-rfc1628-site.conf
cp /etc/envmond/envmond.conf "$tmp/conf.site"
cp /etc/envmond/profiles.d/ups-rfc1628-site.conf "$tmp/profile.site"
su -s /bin/sh -c 'echo state >/var/lib/envmond/pkgtest.state' envmond
/usr/sbin/envmond -t -c /etc/envmond/envmond.conf >"$tmp/t.out" 2>/dev/null
rc=$?; show "$tmp/t.out"
[ $rc -eq 0 ] && grep -qx '  profile ups-rfc1628: /etc/envmond/profiles.d/ups-rfc1628-site.conf, replacing /usr/share/envmond/profiles/ups-rfc1628.conf' "$tmp/t.out"
ok $? "edited, it passes envmond -t, which names the site profile replacing the shipped one"
/usr/sbin/envmond --list-profiles -c /etc/envmond/envmond.conf >"$tmp/l.out" 2>/dev/null
rc=$?; show "$tmp/l.out"
[ $rc -eq 0 ] && grep -q '^ups-apc-powernet .* /usr/share/envmond/profiles/ups-apc-powernet.conf$' "$tmp/l.out"
ok $? "envmond --list-profiles lists the shipped profiles"

# ---------------------------------------------------------------- upgrade
# Both the operator and the new version changed the conffile: dpkg asks. With no one to
# answer, the upgrade stops at the question; the operator's answer here is "keep mine".
dpkg -i "$tmp/v2/envmond_v2.deb" </dev/null >"$tmp/up.out" 2>&1
show "$tmp/up.out"
grep -q "Configuration file '/etc/envmond/envmond.conf'" "$tmp/up.out" &&
    grep -q "Modified (by you or by a script) since installation" "$tmp/up.out"
ok $? "the upgrade asks about the changed envmond.conf"
dpkg --force-confold --configure envmond >"$tmp/conf.out" 2>&1
rc=$?; show "$tmp/conf.out"
[ $rc -eq 0 ] && [ "$(dpkg-query -W -f='${Version}' envmond)" = "$(dpkg-deb -f "$tmp/v2/envmond_v2.deb" Version)" ]
ok $? "kept the operator's envmond.conf, the upgrade completes"
cmp -s /etc/envmond/envmond.conf "$tmp/conf.site" && grep -q "pkgtest" /etc/envmond/envmond.conf.dpkg-dist
ok $? "the operator's change is kept, the new example beside it (.dpkg-dist)"
grep -q "(pkgtest1)" /usr/share/envmond/profiles/ups-apc-powernet.conf &&
    cmp -s /etc/envmond/profiles.d/ups-rfc1628-site.conf "$tmp/profile.site"
ok $? "the shipped profile is updated, the site profile untouched"
/usr/sbin/envmond -t -c /etc/envmond/envmond.conf >/dev/null 2>&1
ok $? "the upgraded daemon accepts the site's configuration"

# ---------------------------------------------------------------- remove, purge
dpkg -r envmond >"$tmp/rm.out" 2>&1
rc=$?; show "$tmp/rm.out"
[ $rc -eq 0 ] && [ ! -e /usr/sbin/envmond ] && [ -f /var/lib/envmond/pkgtest.state ] &&
    [ -f /etc/envmond/envmond.conf ]
ok $? "remove takes the programs, keeps the state and the configuration"
dpkg -P envmond >"$tmp/purge.out" 2>&1
rc=$?; show "$tmp/purge.out"
[ $rc -eq 0 ] && [ ! -e /var/lib/envmond ] && [ ! -e /etc/envmond/envmond.conf ] &&
    [ ! -e /etc/systemd/system/multi-user.target.wants/envmond.service ] &&
    cmp -s /etc/envmond/profiles.d/ups-rfc1628-site.conf "$tmp/profile.site"
ok $? "purge takes the state, the configuration and the unit's links, not the site's own profile"

# ---------------------------------------------------------------- as found
rm -f /etc/envmond/profiles.d/ups-rfc1628-site.conf
rmdir /etc/envmond/profiles.d /etc/envmond 2>/dev/null
[ $user_before = no ] && getent passwd envmond >/dev/null && userdel envmond
[ $group_before = no ] && getent group envmond >/dev/null && groupdel envmond
snapshot >"$tmp/after"
diff "$tmp/before" "$tmp/after" >"$tmp/diff"
rc=$?; show "$tmp/diff"
ok $rc "the machine is as it was found (files, user, groups)"
! dpkg-query -W envmond >/dev/null 2>&1
ok $? "dpkg no longer knows envmond"
[ $failed -eq 0 ]
