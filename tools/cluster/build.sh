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
#                       (default: "etcd kube kwok terraform-provider-kubernetes
#                       envoy-gateway metallb-controller"; see README.md)
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
#   * Envoy Gateway v1.2.8 says go 1.23.1 (its module here keeps Go 1.23's
#     GODEBUG defaults); MetalLB v0.16.1 says go 1.25.0. Both build with Go
#     1.26 as they are; neither needs a newer GOTOOLCHAIN.
#   So this script needs Go >= 1.26.3 and uses whatever `go` is on PATH
#   (GOTOOLCHAIN is left as configured; on these machines it is `local`).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${BLUEPRINT_CACHE:-$HOME/.cache/platform-blueprint}
BIN=$CACHE/bin
KEYS=$BIN/.keys
DEFAULT_COMPONENTS="etcd kube kwok terraform-provider-kubernetes envoy-gateway metallb-controller"
COMPONENTS=${CLUSTER_COMPONENTS:-$DEFAULT_COMPONENTS}
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

# Add-on controllers the rehearsal runs as local processes against its API
# server (cli/rehearsal/addon-controllers.ts), so that Gateway API objects are
# accepted by a real implementation and LoadBalancer Services get addresses.
ENVOY_GATEWAY_VERSION=v1.2.8 # the release the envoyGateway add-on installs; the proxy's .info has no Origin, so no commit is known
METALLB_VERSION=v0.16.1
METALLB_COMMIT=791dfcc63ced7a6b3e869131eae75e645150fff0 # tag v0.16.1 (proxy .info Origin)

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

# patched_module name dir module patch work: copies `module` (as dir/go.mod
# requires it) from the module cache, where `go mod download` checked it against
# go.sum, to work/src, applies `patch` (a unified diff against the module's root)
# to the copy, and writes work/go.mod + work/go.sum: dir's own, plus a replace
# directive to the copy, for `go build -modfile=work/go.mod`. The module cache
# and the committed go.mod stay untouched. (`go build -overlay` cannot do this:
# it refuses to replace files beneath GOMODCACHE.)
patched_module() {
	local name=$1 dir=$2 mod=$3 patch=$4 work=$5 src
	command -v patch >/dev/null || die "$name: the 'patch' program is needed (Debian: apt-get install patch)"
	src=$(module_dir "$dir" "$mod") && [ -d "$src" ] || die "$name: $mod is not in the module cache"
	rm -rf "$work" && mkdir -p "$work"
	cp -R "$src" "$work/src" && chmod -R u+w "$work/src"
	patch -d "$work/src" -p1 --forward --batch --no-backup-if-mismatch --quiet <"$patch" ||
		die "$name: $patch does not apply to $mod (was the pin changed?)"
	cp "$dir/go.mod" "$work/go.mod" && cp "$dir/go.sum" "$work/go.sum"
	printf '\nreplace %s => %s\n' "$mod" "$work/src" >>"$work/go.mod"
}

# go_build name dir out pkg tags ldflags [module patch]
# With module and patch: builds `module` with the patch applied (patched_module).
# `pkg` may name several packages (space separated) with `out` a directory
# ending in /: one `go build -o out/ pkg1 pkg2` shares the compile work of
# their common packages, and each binary lands in out/ under its command name.
go_build() {
	local name=$1 dir=$2 out=$3 pkg=$4 tags=$5 ldflags=$6 mod=${7:-} patch=${8:-} t
	local work=$CACHE/build/$name
	(
		cd "$dir"
		export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
		t=$(now)
		go mod download || die "$name: go mod download failed (output above: a go.sum mismatch, or the Go module proxy $(go env GOPROXY) is unreachable or does not serve a pinned version)"
		log "$name: modules downloaded in $(elapsed "$t")s"
		local modfile=()
		if [ -n "$patch" ]; then
			patched_module "$name" "$dir" "$mod" "$patch" "$work"
			modfile=(-modfile "$work/go.mod")
			log "$name: $mod patched with $(basename "$patch") ($(grep -c '^+++ b/' "$patch") files) in $work/src"
		fi
		t=$(now)
		local pkgs
		read -r -a pkgs <<<"$pkg"
		if [ "${out%/}" != "$out" ]; then
			rm -rf "${out%/}.tmp" && mkdir -p "${out%/}.tmp"
			go build "${modfile[@]}" -tags "$tags" -ldflags "$ldflags" -o "${out%/}.tmp/" "${pkgs[@]}" || die "$name: go build failed (output above)"
		else
			go build "${modfile[@]}" -tags "$tags" -ldflags "$ldflags" -o "$out.tmp" "${pkgs[@]}" || die "$name: go build failed (output above)"
		fi
		log "$name: compiled+linked in $(elapsed "$t")s"
	) || exit 1
	rm -rf "$work"
	rmdir "$CACHE/build" 2>/dev/null || true
	if [ "${out%/}" != "$out" ]; then
		local f
		for f in "${out%/}.tmp"/*; do mv -f "$f" "$out$(basename "$f")"; done
		rmdir "${out%/}.tmp"
	else
		mv -f "$out.tmp" "$out"
	fi
}

check_go() {
	command -v go >/dev/null || die "go is not on PATH (need Go >= $MIN_GO)"
	GO_VERSION=$(go env GOVERSION)
	ver_ge "${GO_VERSION#go}" "$MIN_GO" || die "need Go >= $MIN_GO, found $GO_VERSION"
}

# module_dir dir module: where the Go module cache holds `module` as required by dir/go.mod.
module_dir() {
	(cd "$1" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' "$2")
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

# Envoy Gateway's control plane (cmd/envoy-gateway: server, certgen, version).
# ldflags as upstream's tools/make/golang.mk (envoyGatewayVersion = the tag;
# gitCommitID left empty: unknown here). The Gateway API version it reports
# comes from the build info (sigs.k8s.io/gateway-api v1.2.1). Its CRDs come
# from the blueprint itself: the envoyGateway add-on vendors them
# (addons/envoyGateway/crds.yaml) and deploy installs them from the lock.
# envoy-gateway/rehearsal.patch (applied to a copy, see patched_module) makes the listeners and
# the certificate directory that upstream hard-codes for a Pod (/certs, :8081,
# :8080, 0.0.0.0:18000) settable from the environment; see the patch's header.
# egctl (cmd/egctl) is built in the same `go build` (the same patched module,
# ldflags and cache key): `egctl experimental translate` is Envoy Gateway's own
# Gateway API -> xDS translation, which test/stacks/gateway/translation.test.ts runs.
build_envoy_gateway() {
	local dir=$HERE/envoy-gateway out=$BIN/envoy-gateway egctl=$BIN/egctl t ld key patch
	t=$(now)
	patch=$dir/rehearsal.patch
	ld="-s -w -X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$ENVOY_GATEWAY_VERSION"
	key="envoy-gateway $ENVOY_GATEWAY_VERSION $(module_key "$dir" "$ld" "$GO_VERSION" "$(sha256sum <"$patch")")"
	if cache_hit envoy-gateway "$key" "$out" "$egctl"; then
		log "envoy-gateway: cached ($key)"
		record "envoy-gateway $ENVOY_GATEWAY_VERSION" cached "$(elapsed "$t")"
		return
	fi
	log "envoy-gateway: building github.com/envoyproxy/gateway $ENVOY_GATEWAY_VERSION (envoy-gateway, egctl)"
	rm -f "$KEYS/envoy-gateway"
	go_build envoy-gateway "$dir" "$BIN/" \
		"github.com/envoyproxy/gateway/cmd/envoy-gateway github.com/envoyproxy/gateway/cmd/egctl" "" "$ld" \
		github.com/envoyproxy/gateway "$patch"
	# Output captured first: with pipefail, `grep -q` closing the pipe early can fail the writer.
	local reported
	reported=$("$out" version)
	grep -qx "ENVOY_GATEWAY_VERSION: $ENVOY_GATEWAY_VERSION" <<<"$reported" ||
		die "envoy-gateway: envoy-gateway version does not report $ENVOY_GATEWAY_VERSION"
	reported=$("$egctl" version --remote=false)
	grep -qx "$ENVOY_GATEWAY_VERSION" <<<"$reported" ||
		die "envoy-gateway: egctl version --remote=false does not report $ENVOY_GATEWAY_VERSION"
	echo "$key" >"$KEYS/envoy-gateway"
	log "envoy-gateway: $(du -h "$out" | cut -f1) $out, $(du -h "$egctl" | cut -f1) $egctl"
	record "envoy-gateway $ENVOY_GATEWAY_VERSION" built "$(elapsed "$t")"
}

# MetalLB's controller (IP address assignment for LoadBalancer Services; the
# speaker, which announces them, is not built: nothing to announce to on
# loopback). ldflags as upstream's controller/Dockerfile (gitCommit,
# gitBranch; the version 0.16.1 is a constant in internal/version). No branch
# is known from the module proxy: gitBranch gets the tag. Its CRDs come from
# the blueprint's metallb add-on (addons/metallb/crds.yaml), as for Envoy Gateway.
build_metallb_controller() {
	local dir=$HERE/metallb out=$BIN/metallb-controller t ld key
	t=$(now)
	ld="-s -w -X go.universe.tf/metallb/internal/version.gitCommit=$METALLB_COMMIT"
	ld+=" -X go.universe.tf/metallb/internal/version.gitBranch=$METALLB_VERSION"
	key="metallb-controller $METALLB_VERSION $(module_key "$dir" "$ld" "$GO_VERSION")"
	if cache_hit metallb-controller "$key" "$out"; then
		log "metallb-controller: cached ($key)"
		record "metallb-controller $METALLB_VERSION" cached "$(elapsed "$t")"
		return
	fi
	log "metallb-controller: building go.universe.tf/metallb/controller $METALLB_VERSION"
	rm -f "$KEYS/metallb-controller"
	go_build metallb-controller "$dir" "$out" go.universe.tf/metallb/controller "" "$ld"
	"$out" --help 2>&1 | grep -q -- '-webhook-mode' || die "metallb-controller: $out --help does not list -webhook-mode"
	echo "$key" >"$KEYS/metallb-controller"
	log "metallb-controller: $(du -h "$out" | cut -f1) $out"
	record "metallb-controller $METALLB_VERSION" built "$(elapsed "$t")"
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
	kube | kwok | terraform-provider-kubernetes | envoy-gateway | metallb-controller) [ -n "${GO_VERSION:-}" ] || check_go ;;
	cronhpa)
		die "cronhpa: not buildable here: the Go module proxy serves no version of github.com/AliyunContainerService/kubernetes-cronhpa-controller (403 'not available' for @v/list, @latest and @master); see tools/cluster/README.md"
		;;
	*) die "unknown component '$c' (known: $DEFAULT_COMPONENTS)" ;;
	esac
done

for c in $COMPONENTS; do
	case $c in
	etcd) build_etcd ;;
	kube) build_kube ;;
	kwok) build_kwok ;;
	terraform-provider-kubernetes) build_terraform_provider_kubernetes ;;
	envoy-gateway) build_envoy_gateway ;;
	metallb-controller) build_metallb_controller ;;
	esac
done

log "timings:"
for line in "${TIMINGS[@]}"; do log "  $line"; done
log "  $(printf '%-32s %-8s %8ss' total '' "$(elapsed "$T0")")"
log "binaries in $BIN (export PATH=\"$BIN:\$PATH\")"
