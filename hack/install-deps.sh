#!/usr/bin/env bash
# Installs what orca's run and test commands need beyond Go, on Debian, as root.
# Idempotent: installs only what is missing.
set -euo pipefail

need=()
# etcd-server: the external-etcd test runs orca against a separate etcd process.
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
# The node agent: containerd (with ctr) and runc run the pods, the CNI
# plugins wire their network, nftables/iptables program Service VIPs.
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] || need+=(containernetworking-plugins)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
# iproute2 (ip) and util-linux (nsenter): the agent's routes and the
# multi-node test's network namespaces.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
# busybox-static: the e2e tests build their container images from it.
[ -x /bin/busybox ] || need+=(busybox-static)

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
