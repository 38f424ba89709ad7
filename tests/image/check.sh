#!/usr/bin/env bash
# make image-check: keygate's container image, built and run as an
# operator would, without a container engine (none runs on these
# machines): a local Debian 12 base from debootstrap, `buildah bud
# --isolation chroot` with that base as the BASE build argument (users
# get debian:12), then `buildah mount` and chroot to run what is inside:
# apache2 as www-data with the mounted configuration and secrets, against
# a redis-server, the test OpenID provider and the echo backend on the
# host's loopback. Checks health, a login, the logs on stdout/stderr, the
# user, and that packaging/k8s's probes, port, user and mounts match the
# image. Prints TAP lines; tests/run.sh runs it as the suite image/check
# (make check, make image-check).
# usage: tests/image/check.sh     (after make deb; root; KG_IMAGE_KEEP=1
#        keeps the base image between runs)
set -u
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$KG_TOP"
. tests/integration/redis.bash
. tests/integration/gateway.bash
. tests/image/base.bash
passed=0 failed=0 skipped=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; failed=$((failed + 1)); }
expect() { # expect NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
finish() {
	if [ "$failed" -gt 0 ] && [ -s "$work/stderr" ]; then
		echo "# the image's stderr, last lines:"
		tail -15 "$work/stderr" | sed 's/^/#   /'
	fi
	[ "$failed" -eq 0 ]
	exit
}
die() {
	bad "$1"
	finish
}

base_img=localhost/keygate-base:12 img=localhost/keygate:check
work=$(mktemp -d)
ctr="" mnt="" app_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && sleep 1
	stop_all
	if [ -n "$mnt" ]; then
		for m in etc/keygate run/secrets/keygate proc dev; do
			umount "$mnt/$m" 2>/dev/null
		done
	fi
	[ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
	buildah rmi "$img" >/dev/null 2>&1
	[ -n "${KG_IMAGE_KEEP:-}" ] || buildah rmi "$base_img" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "ok - the container image # SKIP buildah and chroot need root"
	exit 0
fi
for t in buildah debootstrap; do
	command -v $t >/dev/null || die "$t is installed (scripts/deps.sh)"
done
ls build/deb/libapache2-mod-keygate_*.deb build/deb/keygate_*_amd64.deb >/dev/null 2>&1 ||
	die "make deb built the packages the image installs"

# --- the base: Debian 12 from debootstrap, the mirror apt already uses ----
image_base "$base_img" "$work" || die "debootstrap makes a Debian 12 base image"
ok "a local Debian 12 base image ($base_img)"

# --- the build ---------------------------------------------------------------
if ! buildah bud --isolation chroot --build-arg "BASE=$base_img" \
	-f packaging/image/Containerfile -t "$img" . >"$work/bud.log" 2>&1; then
	tail -15 "$work/bud.log" | sed 's/^/# /'
	die "buildah bud builds packaging/image/Containerfile"
fi
ok "buildah bud builds packaging/image/Containerfile FROM the local base"
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$img")
expect "the image runs as www-data, not root (USER $user)" test "$user" = www-data
ctr=$(buildah from "$img") && mnt=$(buildah mount "$ctr") || die "buildah mounts the image"
expect "the module is installed from the package" test -f "$mnt/usr/lib/apache2/modules/mod_keygate.so"
expect "the module is enabled" test -e "$mnt/etc/apache2/mods-enabled/keygate.load"
expect "the keygate command is installed" test -x "$mnt/usr/bin/keygate"
uid=$(awk -F: '$1 == "www-data" {print $3}' "$mnt/etc/passwd")

# --- the manifests match the image ----------------------------------------------
k8s=packaging/k8s
yaml_val() { sed -n "s/^ *$2: *\(.*\)/\1/p" "$k8s/$1" | head -1 | sed 's/ *#.*//; s/["{}]//g'; }
expect "the Deployment's containerPort is the image's port (8080)" \
	grep -q 'containerPort: 8080' "$k8s/deployment.yaml"
expect "the image exposes 8080" sh -c "buildah inspect --type image '$img' | grep -q '8080/tcp'"
expect "the Deployment runs as the image's user (uid $uid)" \
	test "$(yaml_val deployment.yaml runAsUser)" = "$uid"
for m in /etc/keygate /run/secrets/keygate; do
	expect "the Deployment mounts $m, which the image has" \
		sh -c "grep -q 'mountPath: $m' '$k8s/deployment.yaml' && test -d '$mnt$m'"
done
live=$(sed -n '/livenessProbe:/,/Probe:/s/.*httpGet: *{path: *\([^,]*\),.*/\1/p' "$k8s/deployment.yaml" | head -1)
ready=$(sed -n '/readinessProbe:/,/volumeMounts:/s/.*httpGet: *{path: *\([^,]*\),.*/\1/p' "$k8s/deployment.yaml" | head -1)
expect "the liveness probe path is keygate's live ($live)" test "$live" = /keygate/live
expect "the readiness probe path is keygate's ready ($ready)" test "$ready" = /keygate/ready
expect "the ServiceMonitor scrapes keygate's metrics path" \
	grep -q 'path: /keygate/metrics' "$k8s/servicemonitor.yaml"
expect "the ConfigMap's secrets are file: paths into the Secret's mount" \
	sh -c "! grep -E 'Secret|Password' '$k8s/configmap.yaml' | grep -v 'file:/run/secrets/keygate/' | grep -q Keygate"

# --- run it: apache2 in the mounted image, as www-data ----------------------------
redis_port=$(free_port) port=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$port"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate image-secret "$base/keygate/oidc/callback" ||
	die "the OpenID provider starts"
mkdir -p "$work/config" "$work/secrets"
head -c 48 /dev/urandom | base64 >"$work/secrets/session-secret"
echo image-secret >"$work/secrets/oidc-client-secret"
cp docs/examples/demo-mappers.json "$work/config/mappers.json"
cat >"$work/config/keygate.conf" <<CONF
KeygateBaseURL $base
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:/run/secrets/keygate/session-secret
KeygateCookieSecure Off
KeygateMappers /etc/keygate/mappers.json
KeygateOIDCProvider demo-oidc http://127.0.0.1:$op_port
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:/run/secrets/keygate/oidc-client-secret
<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>
CONF
chmod -R a+rX "$work/config" "$work/secrets"
mount --bind "$work/config" "$mnt/etc/keygate" &&
	mount --bind "$work/secrets" "$mnt/run/secrets/keygate" &&
	mount -t proc proc "$mnt/proc" && mount --bind /dev "$mnt/dev" ||
	die "the configuration and secrets are mounted into the image"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KEYGATE_PORT="$port" \
	chroot --userspec="$uid:$uid" "$mnt" /usr/local/bin/keygate-entrypoint \
	>"$work/stdout" 2>"$work/stderr" &
app_pid=$!
wait_port "$port" || { sed 's/^/# /' "$work/stderr" | tail -10; die "apache2 starts inside the image"; }
sleep 0.5
ok "apache2 starts inside the image on KEYGATE_PORT=$port"
kid=$(pgrep -u "$uid" -f '/usr/sbin/apache2 -DFOREGROUND' | head -1)
expect "apache2 runs as www-data (uid $uid)" test -n "$kid"
expect "no apache2 of the image runs as root" \
	sh -c "! pgrep -u 0 -f '[/]usr/sbin/apache2 -DFOREGROUND' >/dev/null"
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/ready")
expect "the readiness path answers 200 while Redis answers (got $st)" test "$st" = 200
final=$(browser_login "$work/jar" "$base/app/hello" "$base")
expect "a login through the image lands back on the page" test "$final" = "$base/app/hello"
expect "the backend greets the user the image's keygate signed in" grep -q 'Hello, demo' "$work/jar.page"
expect "the access log goes to stdout" grep -q '"GET /app/hello HTTP/1.1" 200' "$work/stdout"
expect "keygate's audit line goes to stderr" grep -q 'AUDIT event="User Log In" outcome=success' "$work/stderr"
expect "no secret in the logs" sh -c "! grep -qF \"\$(cat '$work/secrets/session-secret')\" '$work/stdout' '$work/stderr' &&
	! grep -q image-secret '$work/stdout' '$work/stderr'"
# Redis gone: not ready (503), but alive (the port answers)
kill -9 "$(cat "$work/redis/redis.pid")"
sleep 0.5
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/ready")
expect "without Redis the readiness path answers 503 (got $st)" test "$st" = 503
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/live")
expect "without Redis the liveness path still answers 200 (got $st)" test "$st" = 200
# a bad setting ends the container at once with FILE:LINE
kill "$app_pid" 2>/dev/null
wait "$app_pid" 2>/dev/null
app_pid=""
echo "KeygateSessionIdleTimeout soon" >>"$work/config/keygate.conf"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KEYGATE_PORT="$port" \
	chroot --userspec="$uid:$uid" "$mnt" /usr/local/bin/keygate-entrypoint \
	>"$work/stdout2" 2>"$work/stderr2"
rc=$?
expect "a bad setting stops the container (exit $rc)" test "$rc" -ne 0
expect "with the file and line of the bad setting, on stderr" \
	grep -qE 'line [0-9]+ of /etc/keygate/keygate.conf|/etc/keygate/keygate.conf:[0-9]+' "$work/stderr2"
finish
