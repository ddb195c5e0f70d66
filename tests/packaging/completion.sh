#!/bin/bash
# completion.sh - vmctl's bash completion (packaging/bash-completion/vmctl),
# driven in bash as bash-completion would drive it, against libvirt's test
# driver: commands and options agree with vmctl's own table (vmctl help),
# and host, snapshot, image, version and farm names come from libvirt on
# the connection the line names (-c/--connect), else LIBVIRT_DEFAULT_URI.
#   completion.sh VMCTL SRCDIR
set -uo pipefail

vmctl=$1
src=$2
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "completion.sh: $bc is missing (Debian's bash-completion package)" >&2
	exit 1
fi
# bash-completion's own script expects an interactive-ish shell
# shellcheck disable=SC1090
. "$bc"
# shellcheck disable=SC1091
. "$src/packaging/bash-completion/vmctl"

tmp=$(mktemp -d /tmp/gf-completion-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# vmctl as the shell would find it: by name, on PATH
mkdir "$tmp/bin"
ln -s "$(cd "$(dirname "$vmctl")" && pwd)/$(basename "$vmctl")" "$tmp/bin/vmctl"
PATH=$tmp/bin:$PATH
farm=test://$src/tests/driver/farm.xml
# the same farm with rds-002 quarantined
sed '/<name>rds-002<\/name>/,/<\/domain>/ s/state="active"/state="quarantined"/' \
	"$src/tests/driver/farm.xml" >"$tmp/quarantine.xml"
grep -q 'state="quarantined"' "$tmp/quarantine.xml" || {
	echo "completion.sh: could not prepare a farm with a quarantined host" >&2
	exit 1
}
export LIBVIRT_DEFAULT_URI=$farm

passed=0
failed=0

# complete LINE: the candidates bash would offer at the end of LINE, sorted,
# one a line.  COMP_WORDS is split as bash splits it: at blanks, and around
# the word-break characters ':' and '=' (COMP_WORDBREAKS).
complete_line() {
	local line=$1 word="" c i
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == [[:blank:]] ]]; then
			[[ -n $word ]] && COMP_WORDS+=("$word")
			word=""
		elif [[ $c == [:=] ]]; then
			[[ -n $word && $word != [:=]* ]] && { COMP_WORDS+=("$word"); word=""; }
			word+=$c
			[[ ${line:i+1:1} != [:=] ]] && { COMP_WORDS+=("$word"); word=""; }
		else
			word+=$c
		fi
	done
	COMP_WORDS+=("$word") # the word under the cursor ("" after a blank)
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_vmctl vmctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort
}

# check WHAT LINE WANT...: the candidates at the end of LINE are exactly WANT.
check() {
	local what=$1 line=$2 got want
	shift 2
	got=$(complete_line "$line" | tr '\n' ' ')
	want=$( (($#)) && printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [[ $got == "$want" ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL %s: "%s"\n  want: %s\n  got:  %s\n' "$what" "$line" "$want" "$got"
	fi
}

# vmctl's own table, from vmctl help: the commands, and each one's options
mapfile -t commands < <("$vmctl" help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \(.*[^ ]\)  \+[^ ].*/\1/p')
((${#commands[@]} > 20)) || {
	echo "completion.sh: could not read vmctl help's commands (${#commands[@]})" >&2
	exit 1
}
mapfile -t firsts < <(printf '%s\n' "${commands[@]}" | cut -d' ' -f1 | sort -u)
check "first words" "vmctl " "${firsts[@]}"
for cmd in "${commands[@]}"; do
	mapfile -t options < <("$vmctl" help "$cmd" | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | sort -u)
	check "options of $cmd" "vmctl $cmd --" "${options[@]}"
	# and every command is reached word by word
	prefix="vmctl"
	for w in $cmd; do
		got=$(complete_line "$prefix ${w:0:1}")
		grep -qx -- "$w" <<<"$got" || {
			failed=$((failed + 1))
			printf 'FAIL command %s: "%s %s" does not offer %s (got: %s)\n' "$cmd" "$prefix" "${w:0:1}" "$w" "$got"
		}
		prefix+=" $w"
	done
	passed=$((passed + 1))
done
check "a group's commands" "vmctl snapshot " create delete list
check "three-word commands" "vmctl farm quarantine " delete list release
check "global options" "vmctl --" --connect --help --version
check "help takes command words" "vmctl help farm q" quarantine

# names from libvirt
check "hosts" "vmctl snapshot list " callc-001 rds-001 rds-002 rds-003
check "hosts, by prefix" "vmctl resize rds-00" rds-001 rds-002 rds-003
check "a host's snapshots" "vmctl rollback rds-003 " old
check "a host's snapshots (delete)" "vmctl snapshot delete rds-003 o" old
check "a farm's snapshots" "vmctl snapshot delete --farm rds --name " old
check "farms" "vmctl list --farm " callc rds
check "farms, --farm=" "vmctl list --farm=" callc rds
check "a farm's snapshots, --farm=" "vmctl snapshot delete --farm=rds --name " old
check "farms (positional)" "vmctl farm pause " callc rds
check "gold images" "vmctl clone " gold-running rds-gold
check "images" "vmctl image seal rds-001 --image " gold-running rds-gold
check "versions" "vmctl image promote rds-gold " 1
check "versions of a farm's image" "vmctl image rollout rds --to " 1
check "a clone's version" "vmctl clone rds-gold rds-009 --version " 1
check "no quarantined hosts" "vmctl farm quarantine release "
check "after ';'" "vmctl list \\; snapshot list rds-00" rds-001 rds-002 rds-003
check "after ';' (quoted)" "vmctl list ; farm drain c" callc-001
check "options after a value" "vmctl snapshot create rds-001 --na" --name

# -c/--connect on the line wins over LIBVIRT_DEFAULT_URI
LIBVIRT_DEFAULT_URI=test:///default
check "no managed hosts on test:///default" "vmctl snapshot list "
check "-c URI" "vmctl -c $farm snapshot list " callc-001 rds-001 rds-002 rds-003
check "--connect URI" "vmctl --connect $farm farm status " callc rds
check "--connect=URI" "vmctl --connect=$farm list --farm " callc rds
check "-c another farm" "vmctl -c test://$tmp/quarantine.xml farm quarantine delete " rds-002
# bash replaces only what follows the last ':' (a word break): so are they offered
check "URIs" "vmctl -c qemu:///s" ///session ///system
LIBVIRT_DEFAULT_URI=$farm

# files
mkdir "$tmp/pol" "$tmp/pol/sub"
touch "$tmp/pol/a.conf" "$tmp/pol/b.txt"
check "policy files" "vmctl policy check $tmp/pol/" "$tmp/pol/a.conf" "$tmp/pol/sub"
check "directories" "vmctl image list --policies $tmp/pol/" "$tmp/pol/sub"

echo
echo "completion: $passed passed, $failed failed"
[ "$failed" = 0 ]
