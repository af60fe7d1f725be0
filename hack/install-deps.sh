#!/usr/bin/env bash
# Installs what orca's run and test commands need beyond Go, on Debian, as root.
# Idempotent: installs only what is missing.
set -euo pipefail

need=()
# etcd-server: the external-etcd test runs orca against a separate etcd process.
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: need root to apt-get install ${need[*]}" >&2
		exit 1
	fi
	echo "install-deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
go mod download
