import * as fs from 'node:fs';
import * as path from 'node:path';
import { CrdSchemas, draftBounds } from '../../../stacks/policy/crd-schemas';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const envoyGatewayCrds = fs.readFileSync(path.join(ROOT, 'addons', 'envoy-gateway', 'crds.yaml'), 'utf8');

describe('CRD schemas as the API server reads them', () => {
  it('turns OpenAPI 3.0 boolean exclusive bounds into JSON Schema ones', () => {
    expect(draftBounds({ type: 'integer', maximum: 600, exclusiveMaximum: true, minimum: 100 })).toEqual({
      type: 'integer',
      exclusiveMaximum: 600,
      minimum: 100,
    });
    expect(draftBounds({ type: 'integer', minimum: 0, exclusiveMinimum: false })).toEqual({
      type: 'integer',
      minimum: 0,
    });
  });

  it('refuses a field a structural schema does not declare, as server-side apply does', () => {
    const schemas = CrdSchemas.fromYaml([envoyGatewayCrds]);
    const proxy = (pod: Record<string, unknown>) => ({
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: 'p', namespace: 'gateway' },
      spec: { provider: { type: 'Kubernetes', kubernetes: { envoyDeployment: { pod } } } },
    });
    expect(schemas.validate(proxy({ nodeSelector: { a: 'b' } }))).toEqual([]);
    // Envoy Gateway v1.2's pod settings have no priorityClassName; the API server answered
    // "field not declared in schema" to exactly this object.
    expect(schemas.validate(proxy({ priorityClassName: 'platform' }))).toEqual([
      '/spec/provider/kubernetes/envoyDeployment/pod must NOT have additional properties',
    ]);
  });

  it('declares fields by the structural schema only: properties in oneOf branches refuse nothing', () => {
    const schemas = CrdSchemas.fromYaml([envoyGatewayCrds]);
    const gateway = (addresses: unknown[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'gateway' },
      spec: { gatewayClassName: 'eg', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], addresses },
    });
    // Gateway API's address branches name `type` alone; `value` is declared beside them.
    expect(schemas.validate(gateway([{ type: 'IPAddress', value: '10.20.2.240' }]))).toEqual([]);
    expect(schemas.validate(gateway([{ type: 'Hostname', value: 'lb.example.com' }]))).toEqual([]);
    // The branches still validate values, and the structure still refuses undeclared fields.
    expect(schemas.validate(gateway([{ type: 'IPAddress', value: 'lb.example.com' }]))).toContain(
      '/spec/addresses/0 must match exactly one schema in oneOf',
    );
    expect(schemas.validate(gateway([{ type: 'IPAddress', value: '10.20.2.240', port: 80 }]))).toEqual([
      '/spec/addresses/0 must NOT have additional properties',
    ]);
  });

  it('keeps fields where the schema preserves unknown ones', () => {
    const schemas = CrdSchemas.fromYaml([
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: things.example.com }
spec:
  group: example.com
  names: { kind: Thing, plural: things }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                known: { type: string }
                free: { type: object, x-kubernetes-preserve-unknown-fields: true, properties: { a: { type: string } } }
`,
    ]);
    const thing = (spec: unknown) => ({
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 't' },
      spec,
    });
    expect(schemas.validate(thing({ known: 'x', free: { anything: 1 } }))).toEqual([]);
    expect(schemas.validate(thing({ unknown: 'x' }))).toEqual(['/spec must NOT have additional properties']);
  });
});
