#!/usr/bin/env bash
# Builds the pinned components of the local "rehearsal" Kubernetes cluster from
# Go source (fetched through the Go module proxy) and caches the binaries
# outside the clone:
#
#   ${BLUEPRINT_CACHE:-$HOME/.cache/platform-blueprint}/bin/
#
# Each Go component is its own module under tools/cluster/<component>/ with a
# committed go.mod and go.sum, so builds are reproducible and every download is
# checked against go.sum (-mod=readonly: a build never edits them).
#
# A component is skipped when its outputs exist and its cache key matches. The
# key is: component, version, a hash of the module's go.mod/go.sum/*.go files
# and of the build recipe (tags, ldflags, Go version). Editing any of those
# forces a rebuild.
#
# Environment:
#   BLUEPRINT_CACHE     cache root (default $HOME/.cache/platform-blueprint)
#   CLUSTER_COMPONENTS  components to build, space or comma separated
#                       (default: "etcd kube kwok terraform-provider-kubernetes";
#                       see README.md)
#   CLUSTER_FORCE=1     ignore the cache and rebuild the selected components
#
# Go toolchain notes (what was needed and why):
#   * k8s.io/kubernetes v1.28.15 (upstream built it with go1.22.8) builds and
#     runs with the machine's Go 1.26: none of its dependencies trips the
#     go:linkname restrictions of Go >= 1.23, so neither -checklinkname=0 nor
#     an older GOTOOLCHAIN is needed. kube/go.mod says `go 1.22.0`, which keeps
#     Go 1.22 GODEBUG defaults for the k8s binaries (the behaviour they were
#     released with).
#   * kwok v0.8.0 and the provider need Go >= 1.26.0 / 1.26.3 (their go.mod).
#   So this script needs Go >= 1.26.3 and uses whatever `go` is on PATH
#   (GOTOOLCHAIN is left as configured; on these machines it is `local`).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${BLUEPRINT_CACHE:-$HOME/.cache/platform-blueprint}
BIN=$CACHE/bin
KEYS=$BIN/.keys
COMPONENTS=${CLUSTER_COMPONENTS:-etcd kube kwok terraform-provider-kubernetes}
COMPONENTS=${COMPONENTS//,/ }
MIN_GO=1.26.3

# ---- pins -------------------------------------------------------------------
KUBE_VERSION=v1.28.15
KUBE_COMMIT=841856557ef0f6a399096c42635d114d6f2cf7f4 # tag v1.28.15 (proxy .info Origin)
KUBE_BUILD_DATE=2024-10-22T20:26:26Z                 # commit time of that tag
# selinux,notest: the tags upstream's hack/lib/golang.sh always uses.
# providerless: drops the legacy in-tree cloud providers (Azure/GCE/vSphere
# SDKs) that a local rehearsal cluster never uses; smaller and faster build.
KUBE_TAGS=selinux,notest,providerless
KUBE_COMMANDS="kube-apiserver kube-controller-manager kube-scheduler kubeadm"

KWOK_VERSION=v0.8.0

# Terraform provider: the module proxy does not serve the v2.38.0 commit (see
# README.md), only main of 2026-08-21 (3.2.1 + unreleased commits).
# TF_PROVIDER_VERSION is the version it is published under in the local
# filesystem mirror; a pre-release label so it is never mistaken for a
# registry release (Terraform selects it only when pinned exactly).
TF_PROVIDER_GO_VERSION=v1.13.4-0.20260821094251-3a33fb6cc605
TF_PROVIDER_VERSION=${TF_PROVIDER_VERSION:-3.2.2-dev.20260821}
TF_MIRROR=$CACHE/terraform-mirror
TF_PLATFORM=linux_amd64

# ---- helpers ----------------------------------------------------------------
log() { printf '[cluster:build] %s\n' "$*"; }
die() {
	printf '[cluster:build] ERROR: %s\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

TIMINGS=()
record() { TIMINGS+=("$(printf '%-32s %-8s %8ss' "$1" "$2" "$3")"); }

ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# Hash of the module's source files plus the build recipe given as arguments.
module_key() {
	local dir=$1
	shift
	(
		cd "$dir"
		find . -maxdepth 1 -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -print |
			LC_ALL=C sort | xargs sha256sum
		printf '%s\n' "$@"
	) | sha256sum | cut -c1-16
}

cache_hit() { # name key outputs...
	local name=$1 key=$2
	shift 2
	[ "${CLUSTER_FORCE:-0}" = 1 ] && return 1
	[ -f "$KEYS/$name" ] && [ "$(cat "$KEYS/$name")" = "$key" ] || return 1
	local f
	for f in "$@"; do [ -e "$f" ] || return 1; done
}

# go_build name dir out pkg tags ldflags
go_build() {
	local name=$1 dir=$2 out=$3 pkg=$4 tags=$5 ldflags=$6 t
	(
		cd "$dir"
		export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
		t=$(now)
		go mod download || die "$name: go mod download failed (output above: a go.sum mismatch, or the Go module proxy $(go env GOPROXY) is unreachable or does not serve a pinned version)"
		log "$name: modules downloaded in $(elapsed "$t")s"
		t=$(now)
		go build -tags "$tags" -ldflags "$ldflags" -o "$out.tmp" "$pkg" || die "$name: go build failed (output above)"
		log "$name: compiled+linked in $(elapsed "$t")s"
	) || exit 1
	mv -f "$out.tmp" "$out"
}

check_go() {
	command -v go >/dev/null || die "go is not on PATH (need Go >= $MIN_GO)"
	GO_VERSION=$(go env GOVERSION)
	ver_ge "${GO_VERSION#go}" "$MIN_GO" || die "need Go >= $MIN_GO, found $GO_VERSION"
}

# ---- components -------------------------------------------------------------
build_etcd() {
	local t
	t=$(now)
	if command -v etcd >/dev/null; then
		log "etcd: found $(command -v etcd) ($(etcd --version 2>/dev/null | head -n1))"
		record etcd present "$(elapsed "$t")"
		return
	fi
	[ "$(id -u)" = 0 ] || die "etcd is not on PATH and this is not root, so it cannot be installed: run 'sudo apt-get install etcd-server' (Debian) or put an etcd >= 3.4 on PATH"
	command -v apt-get >/dev/null || die "etcd is not on PATH and apt-get is missing: install etcd >= 3.4 by hand"
	log "etcd: not on PATH, installing Debian etcd-server"
	# Keep the package from starting a system etcd on :2379 (it would clash
	# with the rehearsal cluster): deny service starts unless a policy exists.
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
	fi
	local rc=0
	{ apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq; } &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null || rc=$?
	[ "$made_policy" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || die "etcd: apt-get install etcd-server failed (exit $rc)"
	command -v etcd >/dev/null || die "etcd: etcd-server installed but etcd is still not on PATH"
	log "etcd: installed $(etcd --version 2>/dev/null | head -n1)"
	record etcd installed "$(elapsed "$t")"
}

build_kube() {
	local dir=$HERE/kube out=$BIN/kube t ld p c key
	t=$(now)
	ld="-s -w"
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=28"
		ld+=" -X $p.gitCommit=$KUBE_COMMIT -X $p.gitTreeState=clean -X $p.buildDate=$KUBE_BUILD_DATE"
	done
	key="kube $KUBE_VERSION $(module_key "$dir" "$KUBE_TAGS" "$ld" "$GO_VERSION")"
	local outs=("$out")
	for c in $KUBE_COMMANDS; do outs+=("$BIN/$c"); done
	if cache_hit kube "$key" "${outs[@]}"; then
		log "kube: cached ($key)"
		record "kube $KUBE_VERSION" cached "$(elapsed "$t")"
		return
	fi
	log "kube: building k8s.io/kubernetes $KUBE_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm)"
	rm -f "$KEYS/kube"
	go_build kube "$dir" "$out" . "$KUBE_TAGS" "$ld"
	for c in $KUBE_COMMANDS; do ln -sfn kube "$BIN/$c"; done
	"$BIN/kube-apiserver" --version | grep -qx "Kubernetes $KUBE_VERSION" ||
		die "kube: kube-apiserver --version does not report $KUBE_VERSION"
	echo "$key" >"$KEYS/kube"
	log "kube: $(du -h "$out" | cut -f1) $out (+ symlinks $KUBE_COMMANDS)"
	record "kube $KUBE_VERSION" built "$(elapsed "$t")"
}

build_kwok() {
	local dir=$HERE/kwok out=$BIN/kwok t ld key
	t=$(now)
	ld="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
	key="kwok $KWOK_VERSION $(module_key "$dir" "$ld" "$GO_VERSION")"
	if cache_hit kwok "$key" "$out"; then
		log "kwok: cached ($key)"
		record "kwok $KWOK_VERSION" cached "$(elapsed "$t")"
		return
	fi
	log "kwok: building sigs.k8s.io/kwok $KWOK_VERSION"
	rm -f "$KEYS/kwok"
	go_build kwok "$dir" "$out" sigs.k8s.io/kwok/cmd/kwok "" "$ld"
	"$out" --version | grep -q "$KWOK_VERSION" || die "kwok: kwok --version does not report $KWOK_VERSION"
	echo "$key" >"$KEYS/kwok"
	log "kwok: $(du -h "$out" | cut -f1) $out"
	record "kwok $KWOK_VERSION" built "$(elapsed "$t")"
}

# A standalone kwok needs Stage objects (kwokctl normally supplies them): blueprint rehearse
# passes its own copy of kwok's default stages, cli/rehearsal/kwok-stages.yaml.

write_terraform_rc() {
	cat >"$CACHE/terraform.rc.tmp" <<EOF
# Written by tools/cluster/build.sh. Use: TF_CLI_CONFIG_FILE=$CACHE/terraform.rc
provider_installation {
  filesystem_mirror {
    path    = "$TF_MIRROR"
    include = ["registry.terraform.io/hashicorp/kubernetes"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/kubernetes"]
  }
}
EOF
	mv -f "$CACHE/terraform.rc.tmp" "$CACHE/terraform.rc"
}

# Offline check: terraform init must resolve the provider from the mirror.
verify_terraform_mirror() {
	command -v terraform >/dev/null || {
		log "terraform-provider-kubernetes: terraform not on PATH, skipping the init check"
		return
	}
	local tmp rc=0
	tmp=$(mktemp -d)
	cat >"$tmp/main.tf" <<EOF
terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "$TF_PROVIDER_VERSION"
    }
  }
}
provider "kubernetes" {}
EOF
	# init resolves the provider offline from the mirror; validate actually
	# starts the built plugin (schema handshake).
	(
		cd "$tmp" && export TF_CLI_CONFIG_FILE="$CACHE/terraform.rc" TF_IN_AUTOMATION=1 &&
			terraform init -input=false -no-color && terraform validate -no-color
	) >"$tmp/init.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		cat "$tmp/init.log" >&2
		rm -rf "$tmp"
		die "terraform-provider-kubernetes: 'terraform init' + 'terraform validate' against the filesystem mirror failed"
	fi
	rm -rf "$tmp"
	log "terraform-provider-kubernetes: terraform init + validate against the mirror OK"
}

build_terraform_provider_kubernetes() {
	local dir=$HERE/terraform-provider-kubernetes t key
	local pdir=$TF_MIRROR/registry.terraform.io/hashicorp/kubernetes/$TF_PROVIDER_VERSION/$TF_PLATFORM
	local out=$pdir/terraform-provider-kubernetes_v$TF_PROVIDER_VERSION
	t=$(now)
	key="terraform-provider-kubernetes $TF_PROVIDER_VERSION $TF_PROVIDER_GO_VERSION $(module_key "$dir" "-s -w" "$GO_VERSION")"
	if cache_hit terraform-provider-kubernetes "$key" "$out" "$CACHE/terraform.rc"; then
		log "terraform-provider-kubernetes: cached ($key)"
		record "terraform-provider-kubernetes" cached "$(elapsed "$t")"
		return
	fi
	log "terraform-provider-kubernetes: building $TF_PROVIDER_GO_VERSION as $TF_PROVIDER_VERSION"
	rm -f "$KEYS/terraform-provider-kubernetes"
	mkdir -p "$pdir"
	go_build terraform-provider-kubernetes "$dir" "$out" github.com/hashicorp/terraform-provider-kubernetes "" "-s -w"
	write_terraform_rc
	verify_terraform_mirror
	echo "$key" >"$KEYS/terraform-provider-kubernetes"
	log "terraform-provider-kubernetes: $(du -h "$out" | cut -f1) $out"
	record "terraform-provider-kubernetes" built "$(elapsed "$t")"
}

# ---- main -------------------------------------------------------------------
T0=$(now)
mkdir -p "$BIN" "$KEYS"
log "cache: $CACHE"

for c in $COMPONENTS; do
	case $c in
	etcd) ;;
	kube | kwok | terraform-provider-kubernetes) [ -n "${GO_VERSION:-}" ] || check_go ;;
	cronhpa)
		die "cronhpa: not buildable here: the Go module proxy serves no version of github.com/AliyunContainerService/kubernetes-cronhpa-controller (403 'not available' for @v/list, @latest and @master); see tools/cluster/README.md"
		;;
	*) die "unknown component '$c' (known: etcd kube kwok terraform-provider-kubernetes)" ;;
	esac
done

for c in $COMPONENTS; do
	case $c in
	etcd) build_etcd ;;
	kube) build_kube ;;
	kwok) build_kwok ;;
	terraform-provider-kubernetes) build_terraform_provider_kubernetes ;;
	esac
done

log "timings:"
for line in "${TIMINGS[@]}"; do log "  $line"; done
log "  $(printf '%-32s %-8s %8ss' total '' "$(elapsed "$T0")")"
log "binaries in $BIN (export PATH=\"$BIN:\$PATH\")"
