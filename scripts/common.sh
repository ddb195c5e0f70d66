# common.sh - what scripts/demo, scripts/test and scripts/fuzz share:
# installing the Debian packages Goldfarm builds with, and building it.
# Sourced, not run.

GOLDFARM_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_PACKAGES=(cmake make gcc pkg-config libvirt-dev libxml2-dev libconfig-dev libcmocka-dev
	libvirt-clients tzdata libcairo2-dev libglib2.0-dev)
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
