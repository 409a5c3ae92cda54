import { parse } from 'yaml';
import {
  APPLYSET_CRD_NAME,
  applySetCrdYaml,
  applySetId,
  applySetParentYaml,
  applySetRef,
} from '../../../cli/deploy/applyset';

describe('applySetId', () => {
  it("matches kubectl's own fixture (Secret my-set in namespace test)", () => {
    // From kubectl's apply tests: the parent Secret my-set/test gets this id label.
    expect(applySetId('my-set', 'test', 'Secret', '')).toBe(
      'applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1',
    );
  });

  it('differs per environment and is a valid label value', () => {
    const prod = applySetId('prod');
    expect(prod).not.toBe(applySetId('test'));
    expect(prod.length).toBeLessThanOrEqual(63);
    expect(prod).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });
});

describe('the ApplySet parent', () => {
  it('is a cluster-scoped kind whose CRD kubectl accepts as a parent type', () => {
    const crd = parse(applySetCrdYaml());
    expect(crd.metadata.name).toBe(APPLYSET_CRD_NAME);
    expect(crd.metadata.labels['applyset.kubernetes.io/is-parent-type']).toBe('true');
    expect(crd.spec.scope).toBe('Cluster');
    expect(`${crd.spec.names.plural}.${crd.spec.group}`).toBe(crd.metadata.name);
    expect(crd.spec.versions.filter((version: { storage: boolean }) => version.storage)).toHaveLength(1);
  });

  it('carries what kubectl checks on an existing parent: id label, tooling and group-kinds annotations', () => {
    const parent = parse(applySetParentYaml('prod'));
    const crd = parse(applySetCrdYaml());
    expect(parent.apiVersion).toBe(`${crd.spec.group}/${crd.spec.versions[0].name}`);
    expect(parent.kind).toBe(crd.spec.names.kind);
    expect(parent.metadata.name).toBe('prod');
    expect(parent.metadata.namespace).toBeUndefined();
    expect(parent.metadata.labels['applyset.kubernetes.io/id']).toBe(applySetId('prod'));
    expect(parent.metadata.annotations['applyset.kubernetes.io/tooling']).toMatch(
      /^kubectl\/v\d+\.\d+\.\d+$/,
    );
    expect(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('');
  });

  it('is referenced as <plural>.<group>/<name> in --applyset', () => {
    expect(applySetRef('prod')).toBe('applysets.platform-blueprint.io/prod');
  });
});
