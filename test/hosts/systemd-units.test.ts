import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, TempProject } from '../support/cli';
import { describeNeeding } from '../support/requirements';
import { hasCommand } from './daemons';

// Every systemd unit and drop-in the blueprint writes, for every host of every shipped
// environment, passes `systemd-analyze verify` (systemd 252, Debian 12's) with no message at all
// (verify exits 0 on an unknown key, so its output must be empty too).
//
// How, honestly: verify loads units from a root and checks that each Exec*= program exists and is
// executable there. `--root` points it at a scratch root per host that is laid out as the
// generated playbook lays out the machine: every host file is copied to the destination the
// generated inventory (`blueprint_files`) names, with its mode, so a generated script is found
// only where the playbook installs it. Beside them sit what the Debian packages would bring: this
// machine's systemd units (/lib/systemd/system: sysinit.target, timers.target, and the packages'
// own haproxy.service and keepalived.service, the base units the drop-ins extend) and, for every
// other program an Exec*= line names, this machine's binary at the same path. Man pages are not
// checked (`--man=no`): they belong to the packages, not to the units.

const ENVIRONMENTS = fs
  .readdirSync(path.join(REPO_ROOT, 'environments'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => name.replace(/\.yaml$/, ''))
  .sort();

const missing = [
  hasCommand('systemd-analyze') ? undefined : 'the systemd unit test needs systemd-analyze (Debian: systemd)',
];

interface InventoryFile {
  readonly src: string;
  readonly dest: string;
  readonly mode: string;
}

/** Every host of an environment's generated inventory with the files the playbook copies to it. */
function inventoryHosts(inventoryFile: string): Map<string, InventoryFile[]> {
  const inventory = parse(fs.readFileSync(inventoryFile, 'utf8'));
  const hosts = new Map<string, InventoryFile[]>();
  for (const group of Object.values<{ hosts?: Record<string, { blueprint_files: InventoryFile[] }> }>(
    inventory.all.children,
  )) {
    for (const [name, vars] of Object.entries(group.hosts ?? {})) hosts.set(name, vars.blueprint_files);
  }
  return hosts;
}

const UNIT = /^\/etc\/systemd\/system\/([a-z0-9@_.-]+\.(service|timer))$/;
const DROP_IN = /^\/etc\/systemd\/system\/([a-z0-9@_.-]+\.service)\.d\/[^/]+\.conf$/;

/** The units to verify on a host: its own units and the units its drop-ins extend. */
function unitsOf(files: readonly InventoryFile[]): string[] {
  const units = new Set<string>();
  for (const file of files) {
    const match = UNIT.exec(file.dest) ?? DROP_IN.exec(file.dest);
    if (match) units.add(match[1] as string);
  }
  return [...units].sort();
}

/** The programs the Exec*= lines of a unit file name (after the `-@:+!` prefixes). */
function programsOf(unitText: string): string[] {
  return [...unitText.matchAll(/^Exec[A-Za-z]+=[-@:+!]*(\S+)/gm)].map((match) => match[1] as string);
}

/** A scratch root for one host: Debian's merged /usr, this machine's units, the host files in place. */
function makeRoot(parent: string, hostDir: string, files: readonly InventoryFile[]): string {
  const root = fs.mkdtempSync(path.join(parent, 'root-'));
  for (const dir of ['usr/bin', 'usr/sbin', 'usr/lib/systemd', 'etc/systemd/system'])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const link of ['bin', 'sbin', 'lib']) fs.symlinkSync(`usr/${link}`, path.join(root, link));
  fs.cpSync('/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true });
  for (const file of files) {
    const target = path.join(root, file.dest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(hostDir, file.src), target);
    fs.chmodSync(target, Number.parseInt(file.mode, 8));
  }
  return root;
}

/**
 * Copies this machine's program at `program` into the root, unless the host files put one there
 * or this machine has none (then verify reports it missing).
 */
function provideProgram(root: string, program: string): void {
  const inRoot = path.join(root, program);
  if (fs.existsSync(inRoot) || !fs.existsSync(program)) return;
  const real = fs.realpathSync(program);
  fs.mkdirSync(path.dirname(inRoot), { recursive: true });
  fs.copyFileSync(real, inRoot);
  fs.chmodSync(inRoot, 0o755);
}

/** The unit file systemd loads for `unit` in the root, and its drop-ins. */
function unitTexts(root: string, unit: string): string[] {
  const texts: string[] = [];
  for (const dir of ['etc/systemd/system', 'usr/lib/systemd/system']) {
    const file = path.join(root, dir, unit);
    if (fs.existsSync(file)) {
      texts.push(fs.readFileSync(file, 'utf8'));
      break;
    }
  }
  const dropIns = path.join(root, 'etc/systemd/system', `${unit}.d`);
  if (fs.existsSync(dropIns))
    for (const name of fs.readdirSync(dropIns)) texts.push(fs.readFileSync(path.join(dropIns, name), 'utf8'));
  return texts;
}

function verify(root: string, units: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, ...units], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describeNeeding('every generated systemd unit passes systemd-analyze verify', missing, () => {
  let project: TempProject;
  let scratch: string;
  beforeAll(async () => {
    project = new TempProject();
    const result = await project.run(['synth', '--out', 'out']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'blueprint-systemd-units-'));
  }, 120_000);
  afterAll(() => {
    project?.dispose();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** Lays out a host's root and returns it with the units to verify there. */
  function prepare(
    env: string,
    host: string,
    edit?: (root: string) => void,
  ): { root: string; units: string[] } {
    const files = inventoryHosts(project.path('out', env, 'ansible', 'inventory.yaml')).get(host);
    if (files === undefined) throw new Error(`${env}: no host ${host} in the inventory`);
    const root = makeRoot(scratch, project.path('out', env, 'hosts', host), files);
    edit?.(root);
    const units = unitsOf(files);
    for (const unit of units) {
      const texts = unitTexts(root, unit);
      // A drop-in's base unit comes from its Debian package (haproxy, keepalived).
      expect([unit, texts.length > 0]).toEqual([unit, true]);
      for (const program of texts.flatMap(programsOf)) provideProgram(root, program);
    }
    return { root, units };
  }

  it.each(ENVIRONMENTS)('%s: every unit, timer and drop-in of every host', (env) => {
    const hosts = inventoryHosts(project.path('out', env, 'ansible', 'inventory.yaml'));
    let verified = 0;
    for (const host of hosts.keys()) {
      const { root, units } = prepare(env, host);
      if (units.length === 0) continue;
      const result = verify(root, units);
      expect({ host, units, ...result }).toEqual({ host, units, status: 0, output: '' });
      verified += units.length;
    }
    // The masters' etcd backup and certificate timers at least.
    expect(verified).toBeGreaterThanOrEqual(4);
    console.log(`${env}: ${verified} units verified on ${hosts.size} hosts`);
  });

  it('fails on what systemd would refuse or ignore: an unknown key, a bad OnCalendar, a missing script, a bad drop-in', () => {
    const [env, host] = ['test', 'test-master-1'];
    const broken: [string, (root: string) => void, RegExp][] = [
      [
        'an unknown key',
        (root) => fs.appendFileSync(path.join(root, 'etc/systemd/system/etcd-backup.service'), 'Bogus=1\n'),
        /Unknown key 'Bogus'/,
      ],
      [
        'an OnCalendar systemd cannot parse',
        (root) => {
          const timer = path.join(root, 'etc/systemd/system/etcd-backup.timer');
          fs.writeFileSync(
            timer,
            fs.readFileSync(timer, 'utf8').replace(/^OnCalendar=.*$/m, 'OnCalendar=*/5'),
          );
        },
        /Failed to parse calendar specification/,
      ],
      [
        'a script the playbook did not install',
        (root) => fs.rmSync(path.join(root, 'usr/local/sbin/blueprint-etcd-backup')),
        /blueprint-etcd-backup is not executable/,
      ],
      [
        'a drop-in with a bad setting',
        (root) =>
          fs.appendFileSync(
            path.join(root, 'etc/systemd/system/keepalived.service.d/10-platform-blueprint.conf'),
            'RestartSec=soon\n',
          ),
        /10-platform-blueprint\.conf:\d+: Failed to parse sec value/,
      ],
    ];
    for (const [what, edit, message] of broken) {
      const { root, units } = prepare(env, host, edit);
      const result = verify(root, units);
      expect([what, result.status !== 0 || result.output !== '', result.output]).toEqual([
        what,
        true,
        expect.stringMatching(message),
      ]);
    }
  });
});
