import type { NetworkRule } from '../guardrails/allow-network-policy';
import { addressBlock, type NetworkPeer, podsIn, tcpPorts } from '../guardrails/network-peer';
import { DATABASE_LABEL } from './sharded-database';
import { VITESS_LABELS, VITESS_PORTS } from './vitess-cluster';

/** What the network policy needs to know of a database. */
export interface DatabaseNetworkInput {
  readonly name: string;
  readonly namespace: string;
  readonly engine: 'vitess' | 'mysql-single';
  /** mysqld's port (mysql-single). */
  readonly port: number;
  /** Where the backups go (vitess): the endpoint's port and networks. */
  readonly backupEndpoint?: { readonly port: number; readonly networks: readonly string[] };
  /** Namespace of vitess-operator (vitess). */
  readonly operatorNamespace?: string;
}

/** One allow policy of a database: the pods it selects and what they may receive and send. */
export interface DatabasePolicy {
  /** Policy name suffix: `allow-<name>`. */
  readonly name: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ingress: readonly NetworkRule[];
  readonly egress: readonly NetworkRule[];
}

/** A database's network: its own policies, and how its consumers reach it. */
export interface DatabaseNetwork {
  readonly policies: readonly DatabasePolicy[];
  /** The policy (by name) whose pods consumers connect to: vtgate, or the single MySQL pod. */
  readonly entryPolicy: string;
  /** Labels of the pods consumers connect to. */
  readonly entryLabels: Readonly<Record<string, string>>;
  /** The port consumers connect to. */
  readonly entryPort: number;
}

/**
 * The NetworkPolicy rules of a database. With vitess: every component (labelled with the
 * database by the VitessCluster's extraLabels) talks to the others on any port; the backup
 * Jobs' vtbackup pods (labelled by the operator) join them and reach the S3 endpoint, as do
 * tablets (restores); vitess-operator reaches every component; monitoring scrapes `web` and
 * mysqld-exporter; consumers reach vtgate only, on 3306 (never mysqld directly). With
 * mysql-single: consumers and monitoring reach the one pod.
 */
export function databaseNetwork(db: DatabaseNetworkInput, monitoringNamespace: string): DatabaseNetwork {
  const monitoring = podsIn(monitoringNamespace);
  const own = { [DATABASE_LABEL]: db.name };
  if (db.engine === 'mysql-single') {
    return {
      policies: [
        {
          name: db.name,
          podLabels: own,
          // The exporter sidecar's container port, by name.
          ingress: [{ peers: [monitoring], ports: tcpPorts('metrics') }],
          egress: [],
        },
      ],
      entryPolicy: db.name,
      entryLabels: own,
      entryPort: db.port,
    };
  }
  const backupPods = { [VITESS_LABELS.cluster]: db.name, [VITESS_LABELS.component]: 'vtbackup' };
  const members: NetworkPeer[] = [podsIn(db.namespace, own), podsIn(db.namespace, backupPods)];
  const storage: NetworkRule[] = db.backupEndpoint
    ? [{ peers: db.backupEndpoint.networks.map(addressBlock), ports: tcpPorts(db.backupEndpoint.port) }]
    : [];
  const operator: NetworkRule[] = db.operatorNamespace ? [{ peers: [podsIn(db.operatorNamespace)] }] : [];
  return {
    policies: [
      {
        name: db.name,
        podLabels: own,
        ingress: [
          { peers: members },
          ...operator,
          { peers: [monitoring], ports: tcpPorts(VITESS_PORTS.web, VITESS_PORTS.mysqldExporter) },
        ],
        egress: [{ peers: members }, ...storage],
      },
      {
        name: `${db.name}-backup`,
        podLabels: backupPods,
        ingress: [{ peers: members }, ...operator],
        egress: [{ peers: members }, ...storage],
      },
      {
        name: `${db.name}-vtgate`,
        podLabels: { ...own, [VITESS_LABELS.component]: 'vtgate' },
        ingress: [],
        egress: [],
      },
    ],
    entryPolicy: `${db.name}-vtgate`,
    entryLabels: { ...own, [VITESS_LABELS.component]: 'vtgate' },
    entryPort: VITESS_PORTS.mysql,
  };
}
