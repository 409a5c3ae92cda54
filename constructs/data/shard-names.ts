import type { KeyRange } from './key-range';

/**
 * The longest StatefulSet name: its pods carry the label
 * `controller-revision-hash: <name>-<10 characters>`, and label values are at most 63.
 */
export const MAX_STATEFUL_SET_NAME = 52;

/** Name of a shard's StatefulSet, client Service and PodDisruptionBudget: `<database>-<range>`, e.g. `users-x-40`. */
export function shardName(database: string, range: KeyRange): string {
  return `${database}-${range.kubernetesName}`;
}

/** Name of a shard's headless Service, which gives its pods stable DNS names. */
export function headlessServiceName(database: string, range: KeyRange): string {
  return `${shardName(database, range)}-headless`;
}
