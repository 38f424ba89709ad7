#!/usr/bin/env bash
# TLS to Redis and to the Sentinels, Sentinel authentication, the
# KeygateRedis URL forms and the Redis Cluster refusal, through apache2
# and the keygate CLI. A CA and certificates are made here with openssl;
# Debian's redis-server 7 serves TLS (--tls-port, no plaintext port).
# - sessions, a session limit and the session cache (its notice
#   connection) over TLS, also read and killed by `keygate sessions`;
# - a certificate for another name, an unknown CA and a plaintext-only
#   server are each refused: 503 and a KG-0330 line, and the plaintext
#   server never sees a command (no fallback);
# - KeygateRedisServerName; mutual TLS with tls-auth-clients yes;
# - unix:// and IPv6 [::1] (skipped when the machine has no ::1);
# - a Sentinel over TLS with requirepass and an ACL user, whose master
#   wants a password (sentinel auth-pass);
# - a cluster-mode server is refused (KG-0331); a scheme keygate cannot
#   serve stops apache2 -t with FILE:LINE:COL.
# KG_KEEP=DIR keeps the work folder.
# usage: redis_tls.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-redis-tls.XXXXXX)
# tls_redis runs in $(...), a subshell: its servers' pids go to
# $work/tls.pids for the trap, not to $KG_PIDS
trap 'KG_PIDS="${KG_PIDS:-} $(cat "$work/tls.pids" 2>/dev/null)"; stop_all; [ -n "${KG_KEEP:-}" ] && cp -r "$work" "$KG_KEEP"; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v openssl >/dev/null || skip_all "openssl is not installed"
mint="$build/tests/integration/mint_session"
kg="$build/keygate"
failures=0
check() { # counts failures, so the suite's end can tell
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; failures=$((failures + 1)); fi
}

# --- a CA, and certificates signed by it (or by a CA nobody trusts) ---
pki=$work/pki
mkdir -p "$pki"
ossl() { openssl "$@" 2>>"$pki/openssl.log"; }
ca() { # ca NAME: a self-signed CA
	ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.crt"
}
cert() { # cert NAME CA SAN [EXT]: a certificate NAME signed by CA
	ossl req -newkey rsa:2048 -nodes -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.csr"
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "${4:-serverAuth}" >"$pki/$1.ext"
	ossl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" -CAkey "$pki/$2.key" \
		-CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
ca test-ca
ca rogue-ca
cert server test-ca "DNS:localhost,IP:127.0.0.1,IP:::1" serverAuth,clientAuth
cert othername test-ca "DNS:redis.internal"
cert rogue rogue-ca "DNS:localhost,IP:127.0.0.1"
cert client test-ca "DNS:keygate-client" clientAuth
chmod 644 "$pki"/*
check "the test CA and certificates are made" test -s "$pki/client.crt"

# tls_redis NAME CERT [ARGS...]: redis-server on a TLS port only; prints
# its port
tls_redis() {
	local name=$1 crt=$2 port
	shift 2
	port=$(free_port)
	mkdir -p "$work/$name"
	redis-server --bind 127.0.0.1 --port 0 --tls-port "$port" \
		--tls-cert-file "$pki/$crt.crt" --tls-key-file "$pki/$crt.key" \
		--tls-ca-cert-file "$pki/test-ca.crt" --tls-auth-clients no \
		--dir "$work/$name" --save '' --daemonize yes \
		--pidfile "$work/$name/redis.pid" --logfile "$work/$name/redis.log" \
		"$@" >/dev/null
	for _ in $(seq 100); do
		[ -s "$work/$name/redis.pid" ] && wait_port "$port" && break
		sleep 0.05
	done
	cat "$work/$name/redis.pid" >>"$work/tls.pids"
	echo "$port"
}
tcli() { # tcli PORT ARGS...: redis-cli over TLS with the client cert
	local port=$1
	shift
	redis-cli --tls --cacert "$pki/test-ca.crt" --cert "$pki/client.crt" \
		--key "$pki/client.key" -h 127.0.0.1 -p "$port" "$@"
}

have_v6=no
if ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/' &&
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
	have_v6=yes
fi
main_bind=(--bind 127.0.0.1)
[ $have_v6 = yes ] && main_bind=(--bind "127.0.0.1 ::1")
p_main=$(tls_redis main server "${main_bind[@]}" --unixsocket "$work/main/redis.sock" --unixsocketperm 777)
p_other=$(tls_redis othername othername)
p_rogue=$(tls_redis rogue rogue)
p_mtls=$(tls_redis mtls server --tls-auth-clients yes)
p_plain=$(free_port)
redis_start "$work/plain" "$p_plain" --save ''
check "the TLS servers answer (redis-cli --tls)" bash -c "[ \"\$(redis-cli --tls --cacert $pki/test-ca.crt -p $p_main ping)\" = PONG ]"

back=$(free_port)
backend_start "$work" "$back"
head -c 48 /dev/urandom | base64 >"$work/secret"

# gateway NAME KEYGATE_LINES...: apache2 with these Keygate lines (and
# the secret); prints nothing, fails when it does not start. Its base
# URL is in $work/NAME/base.
gateway() {
	local name=$1 dir=$work/$1 web
	shift
	mkdir -p "$dir"
	web=$(free_port)
	printf '%s\n' "$@" "KeygateSessionSecret file:$work/secret" \
		"KeygateCookieSecure Off" >"$dir/keygate.conf"
	httpd_config "$dir" "$web" "$build" "$(cat "$dir/keygate.conf")" "<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
	echo "http://127.0.0.1:$web" >"$dir/base"
	httpd_start "$dir" "$build"
}
get() { # get NAME COOKIE: the status of /app through gateway NAME
	curl -s -o /dev/null -m 10 -w '%{http_code}' -b "keygate_session=$2" "$(cat "$work/$1/base")/app/x"
}
logged() { grep -q "$2" "$work/$1/error.log"; }

tls_lines=("KeygateRedisCAFile $pki/test-ca.crt")

# --- sessions, limits and the cache over TLS --------------------------
gateway tls "KeygateRedis rediss://127.0.0.1:$p_main" "${tls_lines[@]}" \
	"KeygateSessionLimit browser user 1 deny-new" ||
	echo "not ok - apache2 starts with rediss://"
sess=$("$mint" "$work/tls/keygate.conf" alice 2>"$work/mint.err")
check "a session is made over TLS (the CLI's store)" test -n "$sess"
check "the session passes apache2 over TLS" test "$(get tls "$sess")" = 200
check "the session's key is in the TLS Redis" bash -c "[ \$(redis-cli --tls --cacert $pki/test-ca.crt -p $p_main --scan --pattern 'keygate:s:*' | wc -l) -ge 1 ]"
second=$("$mint" "$work/tls/keygate.conf" alice 2>"$work/mint2.err")
check "the session limit holds over TLS (a second session is denied)" \
	bash -c "[ -z '$second' ] && grep -qi 'too many sessions\|limit' '$work/mint2.err'"
out=$("$kg" sessions list --config "$work/tls/keygate.conf" 2>&1)
check "keygate sessions list reads over TLS" grep -q alice <<<"$out"
for _ in $(seq 50); do
	tcli "$p_main" client list 2>/dev/null | grep -q 'sub=1' && break
	sleep 0.1
done
check "the cache's notice connection is subscribed over TLS" bash -c \
	"redis-cli --tls --cacert $pki/test-ca.crt -p $p_main client list | grep -q 'flags=.*t.* sub=1'"
for _ in 1 2 3; do get tls "$sess" >/dev/null; done
"$kg" sessions kill --config "$work/tls/keygate.conf" --user alice >/dev/null 2>&1
st=200
for _ in $(seq 20); do
	st=$(get tls "$sess")
	[ "$st" = 401 ] && break
	sleep 0.05
done
check "a session killed by the CLI is refused at once by the cached gateway (got $st)" test "$st" = 401
sess=$("$mint" "$work/tls/keygate.conf" bob)

# --- refusals: another name, an unknown CA, a plaintext server ---------
refused() { # refused NAME WHY LOG-PATTERN KEYGATE_LINES...
	local name=$1 why=$2 pat=$3 st
	shift 3
	gateway "$name" "$@" || { echo "not ok - apache2 starts ($name)"; failures=$((failures + 1)); return; }
	st=$(get "$name" "$sess")
	check "$why: 503 (got $st)" test "$st" = 503
	check "$why: logged KG-0330 ($pat)" bash -c "grep 'KG-0330' '$work/$name/error.log' | grep -q '$pat'"
}
refused wrongname "a certificate for another name" "IP address mismatch\|hostname mismatch" \
	"KeygateRedis rediss://127.0.0.1:$p_other" "${tls_lines[@]}"
refused rogueca "a certificate from an unknown CA" "local issuer\|self.signed" \
	"KeygateRedis rediss://127.0.0.1:$p_rogue" "${tls_lines[@]}"
refused plaintext "a plaintext-only server" "does not speak TLS\|no TLS answer\|wrong version\|packet length" \
	"KeygateRedis rediss://127.0.0.1:$p_plain" "${tls_lines[@]}"
cmds=$(redis-cli -p "$p_plain" info commandstats | grep -c '^cmdstat_\(get\|evalsha\|eval\|auth\|info\)')
check "the plaintext server never got a command (no fallback)" test "$cmds" = 0

# --- KeygateRedisServerName --------------------------------------------
gateway servername "KeygateRedis rediss://127.0.0.1:$p_other" "${tls_lines[@]}" \
	"KeygateRedisServerName redis.internal" || echo "not ok - apache2 starts (servername)"
s2=$("$mint" "$work/servername/keygate.conf" carol)
check "KeygateRedisServerName verifies the name the certificate carries" \
	test "$(get servername "$s2")" = 200

# --- mutual TLS ---------------------------------------------------------
gateway mtls "KeygateRedis rediss://127.0.0.1:$p_mtls" "${tls_lines[@]}" \
	"KeygateRedisClientCert $pki/client.crt" "KeygateRedisClientKey $pki/client.key" ||
	echo "not ok - apache2 starts (mtls)"
s3=$("$mint" "$work/mtls/keygate.conf" dave)
check "mutual TLS: a session with the client certificate" test -n "$s3"
check "mutual TLS: it passes apache2" test "$(get mtls "$s3")" = 200
refused nocert "mutual TLS without a client certificate" "certificate required\|client certificate\|handshake failure\|alert" \
	"KeygateRedis rediss://127.0.0.1:$p_mtls" "${tls_lines[@]}"

# --- unix:// and IPv6 -----------------------------------------------------
gateway unix "KeygateRedis unix://$work/main/redis.sock" || echo "not ok - apache2 starts (unix)"
s4=$("$mint" "$work/unix/keygate.conf" erin)
check "unix:// socket: a session is made and passes apache2" test "$(get unix "$s4")" = 200
if [ $have_v6 = yes ]; then
	gateway v6 "KeygateRedis rediss://[::1]:$p_main/0" "${tls_lines[@]}" || echo "not ok - apache2 starts (v6)"
	s5=$("$mint" "$work/v6/keygate.conf" frank)
	check "IPv6 [::1] over TLS (IP SAN ::1): a session passes apache2" test "$(get v6 "$s5")" = 200
else
	echo "ok - IPv6 [::1] over TLS # SKIP this machine has no ::1 on loopback"
fi

# --- a Sentinel over TLS, with a password and an ACL user ---------------
p_m=$(tls_redis smaster server --requirepass master-pw)
p_s=$(free_port)
mkdir -p "$work/sentinel"
cat >"$work/sentinel/sentinel.conf" <<CONF
bind 127.0.0.1
port 0
tls-port $p_s
tls-cert-file $pki/server.crt
tls-key-file $pki/server.key
tls-ca-cert-file $pki/test-ca.crt
tls-auth-clients no
tls-replication yes
dir $work/sentinel
daemonize yes
pidfile $work/sentinel/sentinel.pid
logfile $work/sentinel/sentinel.log
requirepass sentinel-pw
user kgwatch on >watch-pw +@all
sentinel monitor kgm 127.0.0.1 $p_m 1
sentinel auth-pass kgm master-pw
sentinel down-after-milliseconds kgm 5000
CONF
redis-server "$work/sentinel/sentinel.conf" --sentinel >/dev/null
for _ in $(seq 100); do
	[ -s "$work/sentinel/sentinel.pid" ] && wait_port "$p_s" && break
	sleep 0.05
done
KG_PIDS="$KG_PIDS $(cat "$work/sentinel/sentinel.pid")"
check "the TLS sentinel wants a password" bash -c \
	"redis-cli --tls --cacert $pki/test-ca.crt -p $p_s sentinel get-master-addr-by-name kgm 2>&1 | grep -q NOAUTH"
sentinel_lines=("KeygateRedis rediss://:master-pw@sentinel-named" "${tls_lines[@]}"
	"KeygateRedisSentinels rediss://127.0.0.1:$p_s" "KeygateRedisSentinelMaster kgm")
gateway sentinel "${sentinel_lines[@]}" "KeygateRedisSentinelPassword sentinel-pw" ||
	echo "not ok - apache2 starts (sentinel)"
s6=$("$mint" "$work/sentinel/keygate.conf" grace)
check "sentinel over TLS with requirepass: a session is made" test -n "$s6"
check "sentinel over TLS with requirepass: it passes apache2" test "$(get sentinel "$s6")" = 200
printf '%s\n' "${sentinel_lines[@]}" "KeygateRedisSentinelUser kgwatch" \
	"KeygateRedisSentinelPassword watch-pw" "KeygateSessionSecret file:$work/secret" >"$work/acl.conf"
n=$("$kg" sessions count --config "$work/acl.conf" 2>"$work/acl.err")
check "sentinel ACL user: keygate sessions count finds the session (got '$n')" test "$n" = 1
gateway sacl "${sentinel_lines[@]}" "KeygateRedisSentinelUser kgwatch" "KeygateRedisSentinelPassword watch-pw" ||
	echo "not ok - apache2 starts (sentinel ACL user)"
check "sentinel over TLS as an ACL user: the session passes apache2" test "$(get sacl "$s6")" = 200
printf '%s\n' "${sentinel_lines[@]}" "KeygateRedisSentinelPassword wrong-pw" \
	"KeygateSessionSecret file:$work/secret" >"$work/badsentinel.conf"
"$kg" sessions count --config "$work/badsentinel.conf" >/dev/null 2>"$work/badsentinel.err"
rc=$?
check "a wrong sentinel password fails the CLI with KG-0332" bash -c \
	"[ $rc = 1 ] && grep -q KG-0332 '$work/badsentinel.err'"
check "no password is ever logged" bash -c \
	"! grep -rq 'master-pw\|sentinel-pw\|watch-pw\|wrong-pw' $work/*/error.log $work/*.err"

# --- Redis Cluster is refused ----------------------------------------------
# (a cluster node also listens on PORT + 10000, its cluster bus: a free
# port above 55535 leaves it none, and redis-server does not start)
p_cl=$(free_port)
while [ "$p_cl" -gt 55000 ]; do p_cl=$(free_port); done
redis_start "$work/cluster" "$p_cl" --save '' --cluster-enabled yes \
	--cluster-config-file "$work/cluster/nodes.conf"
for _ in $(seq 200); do # a loaded machine may take a while
	[ "$(redis-cli -p "$p_cl" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
printf '%s\n' "KeygateRedis 127.0.0.1:$p_cl" "KeygateSessionSecret file:$work/secret" >"$work/cluster.conf"
"$kg" sessions count --config "$work/cluster.conf" >/dev/null 2>"$work/cluster.err"
rc=$?
check "a cluster-mode server is refused with KG-0331 (rc $rc: $(head -c 200 "$work/cluster.err"))" bash -c \
	"[ $rc = 1 ] && grep -q 'KG-0331.*cluster mode' '$work/cluster.err'"

# --- a scheme keygate cannot serve stops the start ------------------------
mkdir -p "$work/bad"
httpd_config "$work/bad" "$(free_port)" "$build" "KeygateRedis memcached://127.0.0.1:11211
KeygateSessionSecret file:$work/secret" ""
apache "$build" -t -f "$work/bad/httpd.conf" >"$work/bad/t.out" 2>&1
rc=$?
check "apache2 -t refuses memcached:// naming the line (rc $rc)" bash -c \
	"[ $rc != 0 ] && grep -q 'line [0-9]* of .*httpd.conf' '$work/bad/t.out' &&
	 grep -q 'KeygateRedis: \"memcached://127.0.0.1:11211\" has a scheme keygate cannot serve' '$work/bad/t.out'"
printf '%s\n' "KeygateSessionSecret file:$work/secret" "KeygateRedis redis://gw:hunter2@127.0.0.1:99999" >"$work/badport.conf"
"$kg" sessions count --config "$work/badport.conf" >/dev/null 2>"$work/badport.err"
rc=$?
check "the CLI refuses a bad port with FILE:LINE:COL, the password masked (rc $rc)" bash -c \
	"[ $rc = 1 ] && grep -q 'badport.conf:2:14: KeygateRedis: \"redis://gw:\*\*\*\*\*\*\*\*@127.0.0.1:99999\" has a port' '$work/badport.err' &&
	 ! grep -q hunter2 '$work/badport.err'"
printf '%s\n' "KeygateRedis rediss://127.0.0.1:$p_main" "KeygateRedisCAFile $work/none.pem" \
	"KeygateSessionSecret file:$work/secret" >"$work/noca.conf"
"$kg" sessions count --config "$work/noca.conf" >/dev/null 2>"$work/noca.err"
check "a CA file that cannot be read stops the CLI, naming it" grep -q "KeygateRedisCAFile $work/none.pem" "$work/noca.err"

for d in tls wrongname rogueca plaintext servername mtls nocert unix sentinel sacl; do
	check "apache2 ($d) logged no crash or sanitizer report" no_crash "$work/$d"
done
echo "# $failures failed"
echo "ok - the suite ran to its end"
[ "$failures" = 0 ]
