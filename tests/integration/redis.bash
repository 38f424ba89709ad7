# keygate integration tests: shared helpers for the session suites
# (sourced, not run: the runner only runs *.sh). Every server starts on
# 127.0.0.1 at a free port from the suite's own temp folder and is
# stopped by pid in the suite's trap.

# free_port: prints a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# free_ports N: prints N distinct TCP ports nothing listens on now, on one
# line (one python start for all of them: slow on a loaded machine).
free_ports() {
	python3 -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))' "$1"
}

# redis_start DIR PORT [ARGS...]: starts redis-server, waits until it
# answers, and appends its pid to $KG_PIDS.
redis_start() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir"
	redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
		--daemonize yes --pidfile "$dir/redis.pid" \
		--logfile "$dir/redis.log" "$@" >/dev/null
	for _ in $(seq 100); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
		sleep 0.05
	done
	KG_PIDS="${KG_PIDS:-} $(cat "$dir/redis.pid")"
}

# stop_all: kills every server this suite started, by pid.
stop_all() {
	for pid in ${KG_PIDS:-}; do
		kill "$pid" 2>/dev/null
	done
	for pid in ${KG_PIDS:-}; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null
	done
}

# skip_all REASON: prints one skip line and exits 0.
skip_all() {
	echo "ok - sessions integration # SKIP $1"
	exit 0
}

# hammer_start URL THREADS SECONDS OUT COOKIE...: starts hammer.py in the
# background (its pid in $hammer_pid) and waits until its first answer.
hammer_start() {
	local out=$4
	python3 "$KG_TOP/tests/integration/hammer.py" "$@" &
	hammer_pid=$!
	for _ in $(seq 200); do
		[ -e "$out.started" ] && return 0
		sleep 0.02
	done
	return 1
}
