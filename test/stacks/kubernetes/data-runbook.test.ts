import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Project } from '../../../cli/project';
import { checkKeyRanges, KeyRange } from '../../../constructs/data/key-range';
import { VITESS_PORTS } from '../../../constructs/data/vitess-cluster';
import { synthesizeEnvironment } from '../../../stacks/environment';
import { REPO_ROOT } from '../../support/cli';

// biome-ignore lint/suspicious/noExplicitAny: manifests are plain JSON
type Json = any;

/**
 * The restore runbook and the resharding steps of docs/data-services.md name real objects:
 * every namespace, VitessCluster, keyspace, shard, label selector, PDB, Secret, bucket and
 * endpoint in their shell blocks is checked against prod's generated data.yaml.
 */

const DOC = path.join(REPO_ROOT, 'docs', 'data-services.md');

/** The shell blocks of the `## <heading>` sections, one command per entry (continuations joined). */
function shellCommands(markdown: string, headings: readonly string[]): string[] {
  const commands: string[] = [];
  const sections = markdown.split(/^## /m);
  for (const section of sections) {
    if (!headings.some((heading) => section.startsWith(`${heading}\n`))) continue;
    for (const [, body] of section.matchAll(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```/gm)) {
      const lines = (body as string).split('\n').map((line) => line.trim());
      let current = '';
      for (const line of lines) {
        if (line === '' || line.startsWith('#')) continue;
        current += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
        if (!line.endsWith('\\')) {
          commands.push(current);
          current = '';
        }
      }
    }
  }
  return commands;
}

/** What the runbook may name: prod's Vitess objects. */
interface Generated {
  readonly namespaces: Set<string>;
  /** Cluster (= keyspace) → its shards (Vitess names and Kubernetes names) and backup location. */
  readonly clusters: Map<
    string,
    { shards: Set<string>; safeNames: Set<string>; serving: string[]; location: Json }
  >;
  readonly pdbs: Set<string>;
  readonly secrets: Set<string>;
  readonly services: Set<string>;
}

function generated(objects: Json[]): Generated {
  const clusters: Generated['clusters'] = new Map();
  const secrets = new Set<string>();
  for (const vc of objects.filter((o) => o.kind === 'VitessCluster')) {
    const keyspace = vc.spec.keyspaces[0];
    const partitionings = keyspace.partitionings.map((p: Json) =>
      p.custom.shards.map((s: Json) => KeyRange.parse(`${s.keyRange.start}-${s.keyRange.end}`)),
    );
    const all: KeyRange[] = partitionings.flat();
    clusters.set(vc.metadata.name, {
      shards: new Set(all.map(String)),
      safeNames: new Set(all.map((range) => range.kubernetesName)),
      serving: partitionings[0].map(String),
      location: vc.spec.backup.locations[0],
    });
    secrets.add(vc.spec.backup.locations[0].s3.authSecret.name);
    secrets.add(vc.spec.cells[0].gateway.authentication.static.secret.name);
    for (const shard of keyspace.partitionings[0].custom.shards)
      secrets.add(shard.databaseInitScriptSecret.name);
  }
  const named = (kind: string) =>
    new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name as string));
  return {
    namespaces: new Set(objects.filter((o) => o.kind === 'VitessCluster').map((o) => o.metadata.namespace)),
    clusters,
    pdbs: named('PodDisruptionBudget'),
    secrets,
    services: named('Service'),
  };
}

const COMPONENTS = new Set(['vtctld', 'vtgate', 'vttablet', 'vtorc', 'vtbackup', 'etcd']);

/** Problems with the names in the commands, and how many references were checked, by kind. */
function runbookProblems(
  commands: readonly string[],
  gen: Generated,
): { problems: string[]; checked: Map<string, number> } {
  const problems: string[] = [];
  const checked = new Map<string, number>();
  const check = (what: string, ok: boolean, command: string, detail: string) => {
    checked.set(what, (checked.get(what) ?? 0) + 1);
    if (!ok) problems.push(`${what} ${detail} is not generated: ${command}`);
  };
  for (const command of commands) {
    const words = command.split(/\s+/).map((word) => word.replace(/^["']|["';&]+$/g, ''));
    const after = (flag: string) =>
      words.flatMap((word, i) =>
        word === flag && words[i + 1] !== undefined ? [words[i + 1] as string] : [],
      );
    for (const namespace of after('-n'))
      check('namespace', gen.namespaces.has(namespace), command, namespace);
    let clusterOfCommand: string | undefined;
    for (const selector of after('-l')) {
      for (const term of selector.split(',')) {
        const [key, value = ''] = term.split('=');
        if (key === 'planetscale.com/cluster') {
          clusterOfCommand = value;
          check('cluster label', gen.clusters.has(value), command, value);
        } else if (key === 'planetscale.com/shard') {
          const cluster = clusterOfCommand === undefined ? undefined : gen.clusters.get(clusterOfCommand);
          check('shard label', cluster?.safeNames.has(value) ?? false, command, value);
        } else if (key === 'planetscale.com/component') {
          check('component label', COMPONENTS.has(value), command, value);
        } else problems.push(`unknown label ${key} in: ${command}`);
      }
    }
    const kubectlGet = (resource: string) => {
      const index = words.findIndex((word, i) => word === resource && words[i - 1] === 'get');
      if (index === -1) return undefined;
      return words.slice(index + 1).find((word, i, rest) => !word.startsWith('-') && rest[i - 1] !== '-n');
    };
    const vc = kubectlGet('vitessclusters');
    if (vc !== undefined) check('VitessCluster', gen.clusters.has(vc), command, vc);
    const pdb = kubectlGet('pdb');
    if (pdb !== undefined) check('PodDisruptionBudget', gen.pdbs.has(pdb), command, pdb);
    const secret = kubectlGet('secret');
    if (secret !== undefined) check('Secret', gen.secrets.has(secret), command, secret);
    for (const word of words) {
      const shardRef = /^([a-z0-9][a-z0-9-]*)\/(-?[0-9a-f]*-?[0-9a-f]*)$/.exec(word);
      if (shardRef?.[2]?.includes('-')) {
        const cluster = gen.clusters.get(shardRef[1] as string);
        check('keyspace/shard', cluster?.shards.has(shardRef[2] as string) ?? false, command, word);
      }
      const s3 = /^s3:\/\/([^/]+)\/(.*?)\/?$/.exec(word);
      if (s3) {
        const matches = [...gen.clusters.values()].some(
          ({ location }) => location.s3.bucket === s3[1] && location.s3.keyPrefix === s3[2],
        );
        check('bucket/prefix', matches, command, word);
      }
    }
    for (const endpoint of after('--endpoint-url'))
      check(
        'S3 endpoint',
        [...gen.clusters.values()].some(({ location }) => location.s3.endpoint === endpoint),
        command,
        endpoint,
      );
    for (const keyspace of [...after('--keyspace'), ...after('--target-keyspace')]) {
      check('keyspace', gen.clusters.has(keyspace), command, keyspace);
      for (const shard of after('--shard'))
        check(
          'shard',
          gen.clusters.get(keyspace)?.shards.has(shard) ?? false,
          command,
          `${keyspace}/${shard}`,
        );
      for (const list of after('--source-shards'))
        check(
          'reshard source',
          list === gen.clusters.get(keyspace)?.serving.join(','),
          command,
          `${list} (the serving shards of ${keyspace})`,
        );
      for (const list of after('--target-shards')) {
        const target = list.split(',');
        const valid =
          checkKeyRanges(target).length === 0 && list !== gen.clusters.get(keyspace)?.serving.join(',');
        check('reshard target', valid, command, `${list} (a partitioning of the whole keyspace)`);
      }
    }
    for (const server of after('--server'))
      check('vtctld gRPC port', server === `localhost:${VITESS_PORTS.grpc}`, command, server);
    for (const forward of words.filter((word) => /^\d+:\d+$/.test(word)))
      check('port-forward', forward.split(':')[1] === String(VITESS_PORTS.grpc), command, forward);
  }
  return { problems, checked };
}

describe('the restore runbook of docs/data-services.md', () => {
  const project = Project.find(REPO_ROOT);
  const [prod] = project.loadEnvironments(['prod']);
  const files = synthesizeEnvironment(prod as NonNullable<typeof prod>).files;
  const data = files.find((file) => file.path === 'kubernetes/data.yaml')?.content ?? '';
  const objects: Json[] = parseAllDocuments(data).map((doc) => doc.toJS());
  const gen = generated(objects);
  const commands = shellCommands(fs.readFileSync(DOC, 'utf8'), ['Restore runbook', 'Resharding']);

  it('has commands to check', () => {
    expect(gen.clusters.size).toBe(2);
    expect(commands.length).toBeGreaterThan(20);
  });

  it('names only namespaces, clusters, keyspaces, shards, PDBs, Secrets and backup storage that prod generates', () => {
    const { problems, checked } = runbookProblems(commands, gen);
    expect(problems).toEqual([]);
    // Every kind of reference was exercised, so a renamed object cannot slip through unchecked.
    for (const what of [
      'namespace',
      'cluster label',
      'shard label',
      'component label',
      'VitessCluster',
      'PodDisruptionBudget',
      'Secret',
      'keyspace/shard',
      'bucket/prefix',
      'S3 endpoint',
      'keyspace',
      'shard',
      'reshard source',
      'reshard target',
      'vtctld gRPC port',
      'port-forward',
    ])
      expect([what, (checked.get(what) ?? 0) > 0]).toEqual([what, true]);
  });

  it('would catch a wrong name (the check is not blind)', () => {
    const wrong = [
      'kubectl get pods -n other -l planetscale.com/cluster=users-db,planetscale.com/shard=x-30',
      'vtc GetBackups users-db/-30',
      'kubectl get pdb -n data users-db-x-30',
      'aws --endpoint-url http://10.20.3.61:7480 s3 ls s3://vitess-backups/data/orders-db/',
      'vtc Reshard --workflow w --target-keyspace users-db create --source-shards -80,80- --target-shards -40,30-',
      'kubectl get secret -n data users-db-mysql',
    ];
    const { problems } = runbookProblems(wrong, gen);
    expect(problems).toHaveLength(9);
  });
});
