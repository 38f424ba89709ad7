# keygate integration tests: starting the gateway's stack (sourced, not
# run). Builds on redis.bash. Every server runs on 127.0.0.1 at a free
# port from the suite's temp folder and is stopped by pid in its trap.

# backend_start DIR PORT: the echo backend; requests are counted in
# DIR/backend.count.
backend_start() {
	local dir=$1 port=$2
	echo 0 >"$dir/backend.count"
	python3 "$KG_TOP/tests/fixtures/echo_backend.py" "$port" \
		"$dir/backend.count" >"$dir/backend.log" 2>&1 &
	KG_PIDS="${KG_PIDS:-} $!"
	wait_port "$port"
}

# wait_port PORT: waits until something accepts on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# backend_count DIR: requests the backend has answered so far.
backend_count() {
	cat "$1/backend.count"
}

# httpd_config DIR PORT BUILD KEYGATE_CONF_LINES LOCATIONS: writes
# DIR/httpd.conf for an apache2 with mod_keygate from BUILD.
httpd_config() {
	local dir=$1 port=$2 build=$3 server=$4 locations=$5
	local mods=/usr/lib/apache2/modules
	cat >"$dir/httpd.conf" <<CONF
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/httpd.pid"
DefaultRuntimeDir "$dir"
ErrorLog "$dir/error.log"
LogLevel ${KG_LOGLEVEL:-warn keygate:debug}
LogFormat "%h %u \"%r\" %>s" short
CustomLog "$dir/access.log" short
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule keygate_module "$build/mod_keygate.so"
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
$server
$locations
CONF
}

# apache BUILD ARGS...: runs apache2 with the ASan runtime preloaded when
# BUILD's module is a sanitizer build (httpd itself is not). Sanitizer
# reports go to $work/sanitizer.* (see no_crash).
apache() {
	local build=$1 preload=""
	shift
	if nm -D "$build/mod_keygate.so" 2>/dev/null | grep -q __asan_init; then
		preload=$(gcc -print-file-name=libasan.so)
	fi
	mkdir -p "$work/san" && chmod 1777 "$work/san"
	LD_PRELOAD=$preload \
		ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:log_path=$work/san/report \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$work/san/report \
		/usr/sbin/apache2 "$@"
}

# no_crash DIR: true when apache2 in DIR logged no crash and no sanitizer
# report was written.
no_crash() {
	! grep -qiE 'AddressSanitizer|exit signal|runtime error' "$1/error.log" &&
		! ls "$work"/san/report.* >/dev/null 2>&1
}

# httpd_start DIR BUILD: starts apache2 -f DIR/httpd.conf and waits for
# it. Returns non-zero, with the error log on stderr, when it does not
# start.
httpd_start() {
	local dir=$1 build=$2 port
	port=$(sed -n 's/^Listen 127.0.0.1:\([0-9]*\)/\1/p' "$dir/httpd.conf")
	chmod 755 "$dir" "${work:-$dir}"
	apache "$build" -f "$dir/httpd.conf" -k start 2>"$dir/start.err"
	if ! wait_port "$port"; then
		cat "$dir/start.err" "$dir/error.log" >&2 2>/dev/null
		return 1
	fi
	for _ in $(seq 50); do
		[ -s "$dir/httpd.pid" ] && break
		sleep 0.05
	done
	KG_PIDS="${KG_PIDS:-} $(cat "$dir/httpd.pid")"
}

# check NAME COMMAND...: one TAP line for a command's success.
check() {
	local name=$1
	shift
	if "$@"; then
		echo "ok - $name"
	else
		echo "not ok - $name"
	fi
}

# op_start DIR PORT CLIENT SECRET REDIRECT_URI [VAR=VALUE...]: the real
# OpenID provider (oidc-provider, tests/fixtures/op) with the demo user;
# extra environment (OP_POST_LOGOUT_URI, OP_BACKCHANNEL_URI, ...) after.
op_start() {
	local dir=$1 port=$2 client=$3 secret=$4 redirect=$5
	shift 5
	(cd "$dir" && env "$@" node "$KG_TOP/tests/fixtures/op/server.js" \
		"$port" "$client" "$secret" "$redirect") >"$dir/op.log" 2>&1 &
	KG_PIDS="${KG_PIDS:-} $!"
	for _ in $(seq 100); do
		grep -q '^op ready' "$dir/op.log" && return 0
		sleep 0.1
	done
	return 1
}

# browser_login JAR URL ORIGIN [USER]: what a person does: follows
# redirects from URL, fills the provider's dev login form (as USER, default
# demo) and consent form, until a response comes from ORIGIN without a
# further redirect. Prints the last URL; the last page is in JAR.page and
# the headers of every response in JAR.headers.
browser_login() {
	local jar=$1 url=$2 origin=$3 user=${4:-demo} loc action data host
	: >"$jar.headers"
	for _ in $(seq 1 16); do
		loc=$(curl -s -b "$jar" -c "$jar" -o "$jar.page" -D "$jar.h1" \
			-H 'Accept: text/html' -w '%{redirect_url}' "$url")
		cat "$jar.h1" >>"$jar.headers"
		if [ -z "$loc" ] && [ "${url#"$origin"}" = "$url" ]; then
			host=$(echo "$url" | sed -E 's|^(https?://[^/]+).*|\1|')
			action=$(grep -o 'action="[^"]*"' "$jar.page" | head -1 |
				sed 's/^action="//; s/"$//')
			case "$action" in /*) action="$host$action" ;; esac
			if grep -q 'name="login"' "$jar.page"; then
				data="prompt=login&login=$user&password=$user"
			else
				data='prompt=consent'
			fi
			loc=$(curl -s -b "$jar" -c "$jar" -o "$jar.page" \
				-D "$jar.h1" -w '%{redirect_url}' --data "$data" \
				"$action")
			cat "$jar.h1" >>"$jar.headers"
		fi
		[ -n "$loc" ] || break
		url=$loc
	done
	echo "$url"
}

# op_logout JAR ISSUER: the person signs out at the provider itself (its
# end-session page and confirmation form), not through keygate.
op_logout() {
	local jar=$1 issuer=$2 xsrf action
	curl -s -b "$jar" -c "$jar" -o "$jar.end" "$issuer/session/end"
	xsrf=$(grep -o 'name="xsrf" value="[^"]*"' "$jar.end" | sed 's/.*value="//; s/"$//')
	action=$(grep -o 'action="[^"]*"' "$jar.end" | head -1 | sed 's/^action="//; s/"$//')
	case "$action" in /*) action="$issuer$action" ;; esac
	curl -s -b "$jar" -c "$jar" -o /dev/null --data "xsrf=$xsrf&logout=yes" "$action"
}

# wait_log FILE TEXT: waits up to 5 s until FILE holds TEXT.
wait_log() {
	for _ in $(seq 25); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.2
	done
	return 1
}

# run_stack BUILD PORT LOG: starts scripts/run.sh (what `make run` runs)
# on PORT in the background, its output in LOG, its pid in run_pid, and
# waits up to 60 s for its "keygate is running" banner; 1 when it does
# not come up (LOG says why).
run_stack() {
	PORT=$2 setsid bash "$KG_TOP/scripts/run.sh" "$1" >"$3" 2>&1 &
	run_pid=$!
	for _ in $(seq 600); do
		grep -q 'keygate is running' "$3" && return 0
		kill -0 "$run_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_stack: SIGTERM (what Ctrl-C does) to run_stack's scripts/run.sh,
# and up to 10 s for it to end; 1 when it is still there.
stop_stack() {
	kill -TERM "$run_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$run_pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
