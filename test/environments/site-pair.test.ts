import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Project } from '../../cli/project';
import { differences, showValue } from '../../environments/env-file';
import { mergeValues } from '../../environments/load';
import { REPO_ROOT } from '../support/cli';

/**
 * prod-b is the second site of prod (active-active, seed 000). Its header lists every
 * difference from prod, so a reviewer reads them in one place; this test keeps the list honest:
 * a change to prod that prod-b does not follow (or the reverse) fails here until the pair is
 * brought back in line or the difference is listed.
 */
const read = (relative: string) => fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');

function mergedValues(name: string): unknown {
  const own = parse(read(`environments/${name}.yaml`));
  const { template: _t, ...templateValues } = parse(read(`environments/templates/${own.template}.yaml`));
  return mergeValues(templateValues, own);
}

function listedDifferences(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('# Differences from prod:');
  if (start === -1) throw new Error('prod-b.yaml has no "# Differences from prod:" header');
  const listed: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^# {3}(.*)$/.exec(line);
    if (!match) break;
    listed.push(match[1] as string);
  }
  return listed;
}

describe('the prod / prod-b site pair', () => {
  const actual = differences(mergedValues('prod'), mergedValues('prod-b'));

  it('lists exactly its differences from prod in its header', () => {
    const shown = actual.map((d) => `${d.path}: ${showValue(d.before)} -> ${showValue(d.after)}`);
    const listed = listedDifferences(read('environments/prod-b.yaml'));
    const unlisted = shown.filter((line) => !listed.includes(line));
    const stale = listed.filter((line) => !shown.includes(line));
    if (unlisted.length + stale.length > 0) {
      throw new Error(
        [
          'environments/prod-b.yaml and environments/prod.yaml drifted apart. Active-active sites run the same',
          'platform: make the same change in prod-b.yaml, or list a deliberate difference in its header.',
          ...unlisted.map((line) => `  differs but not listed: ${line}`),
          ...stale.map((line) => `  listed but not so:      ${line}`),
        ].join('\n'),
      );
    }
    expect(listed.length).toBe(shown.length);
  });

  it('differs only in what belongs to a site: its name, context, networks, addresses, zones and storage cluster', () => {
    const allowed = [
      /^cluster\.site$/,
      /^cluster\.kubeconfig\.context$/,
      /^controlPlane\.(subnet|vip)$/,
      /^controlPlane\.masters\[\d+\]\.address$/,
      /^nodePools\[\d+\]\.(zone|subnet|nodes\[\d+\]\.address)$/,
      /^storage\.classes\[\d+\]\.clusterId$/,
      /^externalServices\[\d+\]\.addresses\[\d+\]$/,
      // The site's own object store for database backups.
      /^databases\[\d+\]\.backup\.s3\.(endpoint|networks\[\d+\])$/,
      // The site's load-balancer addresses (on its own network), and its Ceph cluster's id and monitors.
      /^addons\.metallb\.addresses\[\d+\]$/,
      /^addons\.cephCsi\.clusters\[\d+\]\.(clusterId|monitors\[\d+\])$/,
      // The site's own log store.
      /^addons\.logging\.sink\.(address|brokers\[\d+\]|networks\[\d+\])$/,
    ];
    expect(actual.map((d) => d.path).filter((p) => !allowed.some((rule) => rule.test(p)))).toEqual([]);
    for (const required of [
      'cluster.site',
      'cluster.kubeconfig.context',
      'controlPlane.subnet',
      'controlPlane.vip',
    ])
      expect(actual.map((d) => d.path)).toContain(required);
  });

  it('both load and pass the cross-environment checks (distinct subnets, VIPs and contexts)', () => {
    const project = new Project(REPO_ROOT);
    const [prod, prodB] = project.loadEnvironments(['prod', 'prod-b']);
    expect(prod?.spec.cluster.site).toBe('dc1');
    expect(prodB?.spec.cluster.site).toBe('dc2');
    expect(prodB?.spec.services.map((s) => s.name)).toEqual(prod?.spec.services.map((s) => s.name));
  });
});
