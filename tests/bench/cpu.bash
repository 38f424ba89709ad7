# keygate benchmarks: CPU accounting (sourced, not run). The bench sets
# $work, under which each apache2 has its folder with httpd.pid.

# ticks PIDS...: utime+stime of these processes, in clock ticks
ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}

# pids DIR: an apache2's parent and children ($work/DIR/httpd.pid)
pids() {
	local parent
	parent=$(cat "$work/$1/httpd.pid")
	echo "$parent $(pgrep -P "$parent" | tr '\n' ' ')"
}
