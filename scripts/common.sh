# common.sh - what scripts/demo, scripts/test and scripts/fuzz share:
# installing the Debian packages Goldfarm builds with, and building it.
# Sourced, not run.

GOLDFARM_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_PACKAGES=(cmake make gcc pkg-config libvirt-dev libxml2-dev libconfig-dev libcmocka-dev
	libvirt-clients tzdata libcairo2-dev libglib2.0-dev libjson-c-dev libisofs-dev)
# the OCF agent's test: ocf-tester, ocf-shellfuncs and ra-api-1.dtd (resource-agents:
# 19 packages, 7.7 MB download, 20.5 MB installed), xmllint
OCF_TEST_PACKAGES=(resource-agents libxml2-utils)

# What the tests need beyond the build: promtool (metrics, alert rules),
# bash-completion (vmctl's completion), logrotate (the shipped rotation),
# systemd-analyze (the unit's sandbox score), adduser and dpkg-dev (the package).
TEST_PACKAGES=(prometheus bash-completion logrotate systemd adduser dpkg-dev)
# the fuzzing tier: clang and its runtime (libFuzzer, the sanitizers)
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

say() { printf '%s\n' "$*"; }
die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# install_packages PKG...: apt-get install whatever of PKG is missing.
install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "needs root to install: ${missing[*]}"
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# install_test_packages: TEST_PACKAGES, without starting any service they
# bring (prometheus is a server; only its promtool is used): a
# policy-rc.d that denies every start, while apt-get runs, when none is set.
install_test_packages() {
	local guard=/usr/sbin/policy-rc.d
	if [ "$(id -u)" = 0 ] && [ ! -e "$guard" ]; then
		printf '#!/bin/sh\n# scripts/test: no service starts while it installs\nexit 101\n' >"$guard"
		chmod 755 "$guard"
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
		install_packages "${TEST_PACKAGES[@]}"
		rm -f "$guard"
		trap - EXIT
	else
		install_packages "${TEST_PACKAGES[@]}"
	fi
}

# build DIR [CMAKE-OPTION...]: configure and build Goldfarm into DIR.
build() {
	local dir=$1
	shift
	cmake -S "$GOLDFARM_SRC" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null ||
		die "cmake configure failed"
	cmake --build "$dir" -j "$(nproc)" >/dev/null || {
		cmake --build "$dir" 2>&1 | grep -E 'error|Error' | head -20 >&2
		die "build failed"
	}
}

# build_fuzz: configure build-fuzz/ with clang and GOLDFARM_FUZZ and build
# the libFuzzer harnesses of tests/fuzz (and the library they link).
build_fuzz() {
	local dir=$GOLDFARM_SRC/build-fuzz
	cmake -S "$GOLDFARM_SRC" -B "$dir" -DCMAKE_C_COMPILER=clang -DGOLDFARM_FUZZ=ON \
		-DGOLDFARM_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null ||
		die "cmake configure of build-fuzz failed"
	cmake --build "$dir" -j "$(nproc)" --target fuzz >/dev/null || {
		cmake --build "$dir" --target fuzz 2>&1 | grep -E 'error|Error' | head -20 >&2
		die "build of the fuzz harnesses failed"
	}
}
