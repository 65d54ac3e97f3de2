#!/usr/bin/env bash
# Builds a minimal Debian base image from Debian's packages alone (debootstrap, then docker
# import), for a site without a container registry; DockerImageIT builds its runtime base this way.
#
#   docker/debian-base-image.sh IMAGE [PACKAGE...]
#   docker/debian-base-image.sh l4mux-base/debian-jre:17                                  # runtime: a JRE
#   docker/debian-base-image.sh l4mux-base/debian-maven:17 openjdk-17-jdk-headless maven   # build stage
#   docker build -f docker/Dockerfile --build-arg RUNTIME_IMAGE=l4mux-base/debian-jre:17 --target prebuilt .
#
# Needs root, debootstrap and a Debian mirror (DEBIAN_MIRROR, default http://deb.debian.org/debian).
set -euo pipefail

if (( $# < 1 )); then
  echo "usage: $0 IMAGE [PACKAGE...]  (default package: openjdk-17-jre-headless)" >&2
  exit 2
fi
image=$1
shift
packages=("$@")
if (( ${#packages[@]} == 0 )); then
  packages=(openjdk-17-jre-headless)
fi
suite=${DEBIAN_SUITE:-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /tmp/l4mux-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
include=$(IFS=,; echo "${packages[*]}")
echo "debootstrap $suite with $include into $rootfs" >&2
debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$mirror" >&2
# What an image does not need: downloaded packages, package lists, documentation.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image"
