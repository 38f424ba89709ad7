#!/usr/bin/env bash
# Writes mod_keygate.8: the man page's text, then one entry per
# directive from `keygate directives` (so the page cannot drift from the
# code). usage: directives.sh KEYGATE_BINARY OUT
set -euo pipefail
here=$(dirname "$0")
bin=$1 out=$2
mkdir -p "$(dirname "$out")"
{
	cat "$here/mod_keygate.8.in"
	"$bin" directives | awk '
		function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
		/^[^ ]/ { name = $1; $1 = ""; sub(/^ +/, ""); printf ".TP\n.B %s\n\\&%s\n.br\n", esc(name), esc($0); next }
		/^ +/ { sub(/^ +/, ""); print "\\&" esc($0) }'
	cat <<'MAN'
.SH FILES
.TP
.I /etc/apache2/mods\-available/keygate.load
.TP
.I /etc/apache2/mods\-available/keygate.conf
.TP
.I /usr/share/doc/libapache2\-mod\-keygate/configuration.md
every directive in full, with defaults and examples
.SH SEE ALSO
.BR keygate (8),
.BR apache2 (8),
.BR a2enmod (8)
MAN
} >"$out"
