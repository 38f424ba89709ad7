# The local Debian 12 base image that the image tests build on, made once
# with debootstrap (minbase, from the mirror apt already uses) and kept in
# buildah's store as $1; reused while it is there. Sourced by check.sh
# and quickstart.sh.
# image_base IMAGE WORKDIR: true when IMAGE exists (made now or before);
# on failure prints the last lines of debootstrap's log as TAP comments.
image_base() {
	local img=$1 work=$2 mirror c m
	buildah inspect --type image "$img" >/dev/null 2>&1 && return 0
	mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	mirror=${mirror:-http://deb.debian.org/debian}
	if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
		tail -5 "$work/debootstrap.log" | sed 's/^/# /'
		return 1
	fi
	c=$(buildah from scratch) && m=$(buildah mount "$c") &&
		cp -a "$work/rootfs/." "$m/" && buildah umount "$c" >/dev/null &&
		buildah commit -q "$c" "$img" >/dev/null && buildah rm "$c" >/dev/null || return 1
	rm -rf "$work/rootfs"
}
