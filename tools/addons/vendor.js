#!/usr/bin/env node
// Vendors the upstream manifests of the platform add-ons into addons/<name>/, from the Go module
// cache at their pinned versions (`go mod download -json MODULE@VERSION`): the Go module proxy is
// the one source of upstream release trees this machine (and CI) can reach.
//
// For each add-on it writes:
//   addons/<name>/crds.yaml       the upstream CustomResourceDefinitions, verbatim, one per document
//   addons/<name>/manifests.yaml  every other upstream object, verbatim (what synth patches)
//   addons/<name>/LICENSE         the upstream license
//   addons/<name>/source.json     module, version, upstream files and their sha256
//
// Envoy Gateway publishes a Helm chart, not a rendered manifest, in its module: the chart is rendered
// with `helm template` (helm built from helm.sh/helm/v3, see HELM below) with the values its release
// Makefile substitutes (image docker.io/envoyproxy/gateway:v1.9.0). metrics-server's release manifest
// is a kustomize overlay, rendered with `kubectl kustomize`.
//
// Usage: node tools/addons/vendor.js [--check]
//   --check  render into memory and exit 1 when addons/ differs (needs the modules and helm)

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'addons');
const CACHE = process.env.BLUEPRINT_CACHE || path.join(os.homedir(), '.cache', 'platform-blueprint');
// helm v3.22.0: GOBIN=$CACHE/tools go install helm.sh/helm/v3/cmd/helm@v3.22.0
const HELM = process.env.HELM || path.join(CACHE, 'tools', 'helm');

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

function moduleDir(module, version) {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(out);
  if (info.Error) throw new Error(`${module}@${version}: ${info.Error}`);
  return info.Dir;
}

/** Splits a YAML stream into its non-empty documents, verbatim (comments kept). */
function documents(text) {
  return text
    .split(/^---[^\n]*$/m)
    .map((doc) => doc.replace(/^\s*\n/, '').replace(/\s+$/, ''))
    .filter((doc) => doc.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')));
}

const isCrd = (doc) => /^kind:\s*CustomResourceDefinition\s*$/m.test(doc);
const kindOf = (doc) => /^kind:\s*(\S+)/m.exec(doc)?.[1];

/**
 * The add-ons. `files` are the upstream files (relative to the module) whose documents are
 * vendored; `render` returns the upstream text instead where it must be rendered.
 */
const ADDONS = [
  {
    name: 'calico',
    module: 'github.com/projectcalico/calico',
    // The proxy serves no tagged Calico release (v3.x tags are refused); this pseudo-version is the
    // release-v3.28 branch of 2025-08-13, whose manifests pin Calico v3.28.5 and tigera-operator
    // v1.34.13 (charts/tigera-operator/values.yaml), the images of the v3.28.5 release.
    version: 'v1.11.0-cni-plugin.0.20250813170300-a0db560f0520',
    release: 'v3.28.5 (tigera-operator v1.34.13)',
    files: ['manifests/tigera-operator.yaml'],
    license: 'LICENSE.md',
  },
  {
    name: 'metallb',
    module: 'go.universe.tf/metallb',
    version: 'v0.16.1',
    release: 'v0.16.1',
    files: ['config/manifests/metallb-native.yaml'],
    license: 'LICENSE',
  },
  {
    name: 'envoy-gateway',
    module: 'github.com/envoyproxy/gateway',
    // v1.2 is the newest Envoy Gateway line that supports Kubernetes 1.28 (1.28 to 1.31). v1.9.0's
    // CRDs do not install on 1.28: Gateway API v1.6.1's TLSRoute uses CEL's IP library (1.31+) and
    // its SecurityPolicy rules exceed 1.28's CEL cost budget (measured on the rehearsal cluster).
    version: 'v1.2.8',
    release: 'v1.2.8',
    files: ['charts/gateway-helm'],
    license: 'LICENSE',
    render(dir) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-eg-'));
      try {
        const chart = path.join(work, 'gateway-helm');
        fs.cpSync(path.join(dir, 'charts', 'gateway-helm'), chart, { recursive: true });
        // What the release Makefile does (tools/make/helm.mk): values from the template, chart version.
        const values = fs
          .readFileSync(path.join(chart, 'values.tmpl.yaml'), 'utf8')
          .replace(/\$\{GatewayImage\}/g, 'docker.io/envoyproxy/gateway:v1.2.8')
          .replace(/\$\{GatewayImagePullPolicy\}/g, 'IfNotPresent');
        fs.writeFileSync(path.join(chart, 'values.yaml'), values);
        const file = path.join(chart, 'Chart.yaml');
        fs.writeFileSync(
          file,
          fs
            .readFileSync(file, 'utf8')
            .replace(/^version: .*$/m, 'version: v1.2.8')
            .replace(/^appVersion: .*$/m, 'appVersion: "v1.2.8"'),
        );
        const crdDir = path.join(chart, 'crds');
        const crds = [
          path.join(crdDir, 'gatewayapi-crds.yaml'),
          ...fs
            .readdirSync(path.join(crdDir, 'generated'))
            .sort()
            .map((name) => path.join(crdDir, 'generated', name)),
        ].map((f) => fs.readFileSync(f, 'utf8'));
        const main = execFileSync(
          HELM,
          ['template', 'eg', chart, '--namespace', 'envoy-gateway-system', '--skip-crds'],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 30,
          },
        );
        return `${crds.join('\n---\n')}\n---\n${main}`;
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'prometheus-operator',
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.93.0',
    release: 'v0.93.0',
    files: ['bundle.yaml'],
    license: 'LICENSE',
  },
  {
    name: 'kube-state-metrics',
    module: 'k8s.io/kube-state-metrics/v2',
    // v2.13.0 is the newest release the proxy serves (v2.14 and later are refused).
    version: 'v2.13.0',
    release: 'v2.13.0',
    files: [
      'examples/standard/service-account.yaml',
      'examples/standard/cluster-role.yaml',
      'examples/standard/cluster-role-binding.yaml',
      'examples/standard/deployment.yaml',
      'examples/standard/service.yaml',
    ],
    license: 'LICENSE',
  },
  {
    name: 'metrics-server',
    module: 'sigs.k8s.io/metrics-server',
    version: 'v0.8.0',
    release: 'v0.8.0',
    files: ['manifests/overlays/release'],
    license: 'LICENSE',
    render(dir) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-ms-'));
      try {
        fs.cpSync(path.join(dir, 'manifests'), path.join(work, 'manifests'), { recursive: true });
        const overlay = path.join(work, 'manifests', 'overlays', 'release');
        // The release process sets the image tag in the overlay (hack/release.sh): the v0.8.0 image.
        const kustomization = path.join(overlay, 'kustomization.yaml');
        const text = fs.readFileSync(kustomization, 'utf8');
        fs.writeFileSync(kustomization, text.replace(/newTag: .*/g, 'newTag: v0.8.0'));
        return execFileSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' });
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
  },
];

function hashTree(base, relative) {
  const full = path.join(base, relative);
  if (fs.statSync(full).isFile()) return [{ file: relative, sha256: sha256(fs.readFileSync(full)) }];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((entry) => hashTree(base, path.posix.join(relative, entry)));
}

function vendor(addon) {
  const dir = moduleDir(addon.module, addon.version);
  const text = addon.render
    ? addon.render(dir)
    : addon.files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8')).join('\n---\n');
  const docs = documents(text);
  const crds = docs.filter(isCrd);
  const others = docs.filter((doc) => !isCrd(doc));
  const header = (what) =>
    `# ${addon.name} ${addon.release}: ${what}, vendored verbatim from ${addon.module}@${addon.version}\n# by tools/addons/vendor.js (see source.json). Do not edit.\n`;
  const stream = (list) => list.map((doc) => `---\n${doc}\n`).join('');
  const upstreamFiles = addon.files.flatMap((file) => hashTree(dir, file));
  const source = {
    addon: addon.name,
    release: addon.release,
    module: addon.module,
    version: addon.version,
    rendered: addon.render
      ? addon.name === 'envoy-gateway'
        ? 'helm template (helm v3.22.0)'
        : 'kubectl kustomize'
      : 'none',
    license: addon.license,
    upstream: upstreamFiles,
    kinds: [...new Set(others.map(kindOf))].sort(),
    crds: crds.map((doc) => /^\s{2}name:\s*"?([^"\s]+)"?/m.exec(doc)?.[1]).sort(),
  };
  return {
    'crds.yaml': crds.length > 0 ? header('custom resource definitions') + stream(crds) : undefined,
    'manifests.yaml': header('upstream objects') + stream(others),
    LICENSE: fs.readFileSync(path.join(dir, addon.license), 'utf8'),
    'source.json': `${JSON.stringify(source, null, 2)}\n`,
  };
}

function main() {
  const check = process.argv.includes('--check');
  let differs = false;
  for (const addon of ADDONS) {
    const files = vendor(addon);
    const target = path.join(OUT, addon.name);
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(target, name);
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      if (current === content) continue;
      if (check) {
        differs = true;
        console.error(`vendor: addons/${addon.name}/${name} differs from ${addon.module}@${addon.version}`);
        continue;
      }
      fs.mkdirSync(target, { recursive: true });
      if (content === undefined) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, content);
      console.log(`vendor: wrote addons/${addon.name}/${name}`);
    }
  }
  process.exit(differs ? 1 : 0);
}

main();
