import { isIpv4Host, type LogSinkSpec, splitSinkAddress } from './logging';
import type { Rule } from './rules';
import { report } from './rules';

/** The addresses of a sink with their paths below `addons.logging.sink`. */
export function sinkAddresses(sink: LogSinkSpec): { path: (string | number)[]; address: string }[] {
  return sink.type === 'kafka'
    ? sink.brokers.map((address, index) => ({ path: ['brokers', index], address }))
    : [{ path: ['address'], address: sink.address }];
}

const SINK = ['addons', 'logging', 'sink'];

/** An enabled collector has a sink. */
const sinkWhenEnabled: Rule = (spec, ctx) => {
  const { logging } = spec.addons;
  if (logging.enabled && logging.sink === undefined)
    report(
      ctx,
      SINK,
      undefined,
      'is required when addons.logging.enabled is true: a mapping with type (loki, elasticsearch, opensearch or kafka) and its address',
    );
};

/**
 * A sink named by DNS lists its networks: the egress NetworkPolicy of the collector can only
 * allow addresses, not names.
 */
const networksForNames: Rule = (spec, ctx) => {
  const sink = spec.addons.logging.sink;
  if (!sink || sink.networks) return;
  for (const { path, address } of sinkAddresses(sink)) {
    const { host } = splitSinkAddress(address);
    if (!isIpv4Host(host))
      report(
        ctx,
        [...SINK, ...path],
        address,
        `names the host ${JSON.stringify(host)}, which a NetworkPolicy cannot allow; list the networks its addresses lie in under addons.logging.sink.networks (e.g. [10.20.3.0/24]), or give an IPv4 address`,
      );
  }
};

/** A CA only means something over TLS. */
const caNeedsTls: Rule = (spec, ctx) => {
  const tls = spec.addons.logging.sink?.tls;
  if (tls && !tls.enabled && tls.ca)
    report(
      ctx,
      [...SINK, 'tls', 'ca'],
      tls.ca,
      'is set but tls.enabled is false; enable TLS or remove the CA',
    );
};

/** The collector's namespace is its own: privileged, and isolated by the collector's policies. */
const ownNamespace: Rule = (spec, ctx) => {
  const { logging } = spec.addons;
  if (!logging.enabled) return;
  const taken = [
    ...spec.namespaces.map((ns) => ({ name: ns.name, what: 'a team namespace (namespaces)' })),
    { name: spec.observability.namespace, what: 'the observability namespace' },
    { name: 'kube-system', what: "Kubernetes' own namespace" },
  ].find((candidate) => candidate.name === logging.namespace);
  if (taken)
    report(
      ctx,
      ['addons', 'logging', 'namespace'],
      logging.namespace,
      `is ${taken.what}; the collector needs a namespace of its own (privileged, isolated), e.g. logging`,
    );
};

/** Cross-field rules of `addons.logging`. */
export const loggingRules: Rule[] = [sinkWhenEnabled, networksForNames, caNeedsTls, ownNamespace];
