import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findComponents } from '../../cli/rehearsal/components';
import { TempProject } from '../support/cli';
import { describeWithCluster } from '../support/rehearsal';

// The real kubeadm v1.28.15 (built by npm run cluster:build) reads every kubeadm file the
// shipped environments generate.
jest.setTimeout(5 * 60_000);

/** kubeadm with --rootfs chroots: as root directly, otherwise in a user namespace of our own. */
function kubeadm(args: readonly string[]): { status: number | null; output: string } {
  const bin = findComponents().kubeadm;
  const root = process.getuid?.() === 0;
  const result = root
    ? spawnSync(bin, args, { encoding: 'utf8' })
    : spawnSync('unshare', ['--user', '--map-root-user', bin, ...args], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithCluster('kubeadm reads every generated file', () => {
  let project: TempProject;
  let out: string;
  let scratch: string;
  beforeAll(async () => {
    project = new TempProject();
    expect((await project.run(['synth', '--out', 'out'])).code).toBe(0);
    out = project.path('out');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-kubeadm-'));
  });
  afterAll(() => {
    project.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const files = (): string[] =>
    ['test', 'prod', 'prod-b'].flatMap((env) =>
      fs
        .readdirSync(path.join(out, env, 'hosts'))
        .flatMap((host) =>
          ['kubeadm-init.yaml', 'kubeadm-join.yaml']
            .filter((name) => fs.existsSync(path.join(out, env, 'hosts', host, name)))
            .map((name) => `${env}/hosts/${host}/${name}`),
        ),
    );

  it('finds the init and join files of every environment', () => {
    const all = files();
    expect(all.filter((file) => file.endsWith('kubeadm-init.yaml')).length).toBe(3);
    expect(all.length).toBeGreaterThanOrEqual(3 + 6 + 16 + 16 - 3);
  });

  it('passes `kubeadm config validate` for every file (join files with the discovery file an operator provides)', () => {
    // The operator copies a discovery kubeconfig to /etc/kubernetes/discovery.conf on each
    // node; here it is a real one made by kubeadm, at a path of the test's own.
    const pki = path.join(scratch, 'discovery');
    fs.mkdirSync(pki, { recursive: true });
    const initFile = path.join(out, 'test', 'hosts', 'test-master-1', 'kubeadm-init.yaml');
    const config = path.join(pki, 'init.yaml');
    fs.writeFileSync(
      config,
      fs
        .readFileSync(initFile, 'utf8')
        .replace('kind: ClusterConfiguration', `kind: ClusterConfiguration\ncertificatesDir: ${pki}`),
    );
    execFileSync(findComponents().kubeadm, ['init', 'phase', 'certs', 'ca', `--config=${config}`]);
    execFileSync(findComponents().kubeadm, [
      'init',
      'phase',
      'kubeconfig',
      'admin',
      `--config=${config}`,
      `--kubeconfig-dir=${pki}`,
    ]);
    const discovery = path.join(pki, 'admin.conf');
    const failures: string[] = [];
    for (const file of files()) {
      let text = fs.readFileSync(path.join(out, file), 'utf8');
      if (file.endsWith('kubeadm-join.yaml')) {
        expect(text).toContain('kubeConfigPath: /etc/kubernetes/discovery.conf');
        text = text.replace('/etc/kubernetes/discovery.conf', discovery);
      }
      const copy = path.join(scratch, file.replace(/\//g, '_'));
      fs.writeFileSync(copy, text);
      const result = spawnSync(findComponents().kubeadm, ['config', 'validate', `--config=${copy}`], {
        encoding: 'utf8',
      });
      if (result.status !== 0 || !result.stdout.includes('ok'))
        failures.push(`${file}: ${result.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
  });

  it.each(['test', 'prod', 'prod-b'])(
    '%s: `kubeadm init phase certs all` and `control-plane all` succeed with the init file in a scratch root',
    (env) => {
      const rootfs = path.join(scratch, `rootfs-${env}`);
      fs.mkdirSync(rootfs, { recursive: true });
      const hostsDir = path.join(out, env, 'hosts');
      const master = fs
        .readdirSync(hostsDir)
        .find((host) => fs.existsSync(path.join(hostsDir, host, 'kubeadm-init.yaml')));
      if (!master) throw new Error(`${env} has no init file`);
      fs.copyFileSync(
        path.join(hostsDir, master, 'kubeadm-init.yaml'),
        path.join(rootfs, 'kubeadm-init.yaml'),
      );
      const certs = kubeadm([
        'init',
        'phase',
        'certs',
        'all',
        '--config=/kubeadm-init.yaml',
        `--rootfs=${rootfs}`,
      ]);
      expect([certs.status, certs.output]).toEqual([
        0,
        expect.stringContaining('Generating "apiserver" certificate'),
      ]);
      const planes = kubeadm([
        'init',
        'phase',
        'control-plane',
        'all',
        '--config=/kubeadm-init.yaml',
        `--rootfs=${rootfs}`,
      ]);
      expect([planes.status, planes.output]).toEqual([0, expect.stringContaining('kube-scheduler')]);
      const manifests = path.join(rootfs, 'etc', 'kubernetes', 'manifests');
      expect(fs.readdirSync(manifests).sort()).toEqual([
        'kube-apiserver.yaml',
        'kube-controller-manager.yaml',
        'kube-scheduler.yaml',
      ]);
      const init = fs.readFileSync(path.join(hostsDir, master, 'kubeadm-init.yaml'), 'utf8');
      const advertise = /advertiseAddress: (\S+)/.exec(init)?.[1];
      const apiserver = fs.readFileSync(path.join(manifests, 'kube-apiserver.yaml'), 'utf8');
      expect(apiserver).toContain(`--advertise-address=${advertise}`);
      // It fails /readyz and keeps serving while HAProxy takes it out (haproxy.cfg checks /readyz).
      expect(apiserver).toContain('--shutdown-delay-duration=5s');
      // The audit policy and log (docs/audit.md): flags, and the two host directories mounted.
      expect(apiserver).toContain('--audit-policy-file=/etc/kubernetes/audit/policy.yaml');
      expect(apiserver).toContain('--audit-log-path=/var/log/kubernetes/audit/audit.log');
      expect(apiserver).toMatch(/--audit-log-maxage=\d+/);
      expect(apiserver).toMatch(
        /- mountPath: \/etc\/kubernetes\/audit\n\s+name: audit-policy\n\s+readOnly: true/,
      );
      expect(apiserver).toMatch(/path: \/var\/log\/kubernetes\/audit\n\s+type: DirectoryOrCreate/);
      expect(apiserver).toContain(
        `image: registry.k8s.io/kube-apiserver:v${/kubernetesVersion: v?(\S+)/.exec(init)?.[1]}`,
      );
      // The serving certificate names the control-plane endpoint (the VIP, or the load balancer).
      const endpoint = /controlPlaneEndpoint: ([^:\s]+)/.exec(init)?.[1] as string;
      const text = execFileSync(
        'openssl',
        [
          'x509',
          '-noout',
          '-ext',
          'subjectAltName',
          '-in',
          path.join(rootfs, 'etc', 'kubernetes', 'pki', 'apiserver.crt'),
        ],
        { encoding: 'utf8' },
      );
      expect(text).toContain(endpoint);
    },
  );
});
