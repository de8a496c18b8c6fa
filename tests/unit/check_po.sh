#!/bin/sh
# The French catalogue (TAP): every source file that marks messages for translation is
# listed in po/POTFILES.in (else an update-po drops its messages from fr.po), and every
# message of the sources has a French translation in po/fr.po, none left fuzzy or empty
# (a French user would read English). The template is made here with the keywords of
# po/Makevars, in a temporary directory: the source tree is only read.
# Usage: check_po.sh [SRCDIR]  (default: $top_srcdir)
set -u
top=${1:-${top_srcdir:-.}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..2"

missing=0
for f in $(cd "$top" && grep -l '\b_("\|\bN_("' src/*/*.c); do
	if ! grep -qx "$f" "$top/po/POTFILES.in"; then
		echo "# $f marks messages but is not in po/POTFILES.in"
		missing=$((missing + 1))
	fi
done
if [ $missing = 0 ]; then
	echo "ok 1 - every source file with messages is in po/POTFILES.in"
else
	echo "not ok 1 - $missing source file(s) missing from po/POTFILES.in"
fi

if ! command -v xgettext >/dev/null || ! command -v msgmerge >/dev/null; then
	echo "ok 2 # SKIP gettext tools not installed"
	[ $missing = 0 ]
	exit
fi
if ! xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 -D "$top" -f "$top/po/POTFILES.in" \
	-o "$tmp/envmond.pot" 2>"$tmp/xgettext.err"; then
	sed 's/^/# /' "$tmp/xgettext.err"
	echo "not ok 2 - xgettext failed"
	exit 1
fi
msgmerge -q --no-fuzzy-matching "$top/po/fr.po" "$tmp/envmond.pot" -o "$tmp/fr.po"
msgattrib --untranslated --no-obsolete "$tmp/fr.po" | grep '^msgid ' | grep -v '^msgid ""$' >"$tmp/untr"
msgattrib --only-fuzzy --no-obsolete "$tmp/fr.po" | grep '^msgid ' | grep -v '^msgid ""$' >>"$tmp/untr"
# msgfmt's count decides (a message on several lines shows as msgid "" above).
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$tmp/fr.po" 2>&1)
if [ -s "$tmp/untr" ] || echo "$stats" | grep -q 'fuzzy\|untranslated'; then
	sed 's/^/# not translated: /' "$tmp/untr"
	echo "not ok 2 - messages without a French translation in po/fr.po: $stats"
	exit 1
fi
echo "ok 2 - every message has its French translation ($(grep -c '^msgid ' "$tmp/envmond.pot") msgids)"
[ $missing = 0 ]
