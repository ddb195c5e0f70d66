#ps1_sysnative
# cloudbase-init-user-data.ps1 - user-data for Windows RDS session hosts, rendered by
# Goldfarm into each new host's NoCloud seed.  Used by policies/rds-windows.conf.
#
# cloudbase-init (its NoCloud config-drive service) has already named the computer from
# meta-data's local-hostname (SetHostNamePlugin) when this script runs, once, as SYSTEM.
# Goldfarm replaces the variables host, farm, image, image_version, hypervisor and
# instance_id, each written as a dollar sign and its name in braces (two dollar signs
# before a brace stand for one).  PowerShell's own $variables are copied as they are.

$ErrorActionPreference = "Stop"
$state = "C:\ProgramData\Goldfarm"
New-Item -ItemType Directory -Force -Path $state | Out-Null
@"
host=${host}
farm=${farm}
image=${image} version ${image_version}
hypervisor=${hypervisor}
instance-id=${instance_id}
"@ | Set-Content -Path "$state\identity.txt"

# Join the domain under this computer's own name, with an offline domain join blob an
# admin provisioned for it beforehand (no password in the seed):
#   djoin /provision /domain corp.example.com /machine ${host} /savefile ${host}.odj
$blob = "\\deploy.corp.example.com\odj\${host}.odj"
if (Test-Path $blob) {
    djoin /requestodj /loadfile $blob /windowspath $env:windir /localos
    exit 1001   # cloudbase-init: reboot now, and do not run this script again
}
exit 0
