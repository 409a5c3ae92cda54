import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

/**
 * The ApplySet that `kubectl apply --prune` uses to delete objects that left the output.
 *
 * The output spans several namespaces plus cluster-scoped objects, and kubectl only lets an
 * ApplySet span namespaces when its parent is cluster-scoped (a namespaced parent needs
 * `--namespace`, which then refuses objects of every other namespace). Secrets and ConfigMaps,
 * the built-in parent kinds, are namespaced, so the blueprint brings its own cluster-scoped
 * parent kind: a CRD labelled `applyset.kubernetes.io/is-parent-type`, and one object of it per
 * environment. kubectl does not create custom parents itself, so deploy creates it (once).
 */
export const APPLYSET_GROUP = 'platform-blueprint.io';
export const APPLYSET_KIND = 'ApplySet';
export const APPLYSET_PLURAL = 'applysets';
export const APPLYSET_CRD_NAME = `${APPLYSET_PLURAL}.${APPLYSET_GROUP}`;

/** The `--applyset` flag value for an environment: `applysets.platform-blueprint.io/<env>`. */
export function applySetRef(environment: string): string {
  return `${APPLYSET_CRD_NAME}/${environment}`;
}

/**
 * EndpointSlices of the output go into an ApplySet of their own, `<env>-endpoints`. The
 * EndpointSlice controller copies a Service's labels, the ApplySet's part-of label included,
 * onto the slices it makes; in the environment's ApplySet, whose kinds include EndpointSlice,
 * kubectl would prune those slices on every deploy (and the controller recreate them). The same
 * holds for Endpoints (the endpoints controller copies the labels too): hand-made Endpoints go
 * into that ApplySet as well.
 */
export function endpointsApplySetName(environment: string): string {
  return `${environment}-endpoints`;
}

/** The label `kubectl apply --applyset` puts on every object of the set. */
export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/**
 * The ApplySet ID kubectl computes for a parent (KEP-3659 v1 format):
 * `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`. The namespace of a
 * cluster-scoped parent is empty.
 */
export function applySetId(
  name: string,
  namespace = '',
  kind = APPLYSET_KIND,
  group = APPLYSET_GROUP,
): string {
  const hash = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** The CRD of the parent kind, as YAML. */
export function applySetCrdYaml(): string {
  return stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: APPLYSET_CRD_NAME,
      labels: {
        'applyset.kubernetes.io/is-parent-type': 'true',
        'app.kubernetes.io/managed-by': 'platform-blueprint',
      },
    },
    spec: {
      group: APPLYSET_GROUP,
      scope: 'Cluster',
      names: {
        kind: APPLYSET_KIND,
        listKind: `${APPLYSET_KIND}List`,
        plural: APPLYSET_PLURAL,
        singular: 'applyset',
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'Parent of the ApplySet of one blueprint environment: kubectl records in its labels and annotations which objects `blueprint deploy` applied, so that it can prune those that left the output.',
            },
          },
        },
      ],
    },
  });
}

/**
 * The parent object of an environment's ApplySet, as YAML. kubectl requires the id label, the
 * tooling annotation (tool `kubectl`; kubectl rewrites the version) and the group-kinds
 * annotation (empty: nothing applied yet) on an existing parent.
 */
export function applySetParentYaml(environment: string): string {
  return stringify({
    apiVersion: `${APPLYSET_GROUP}/v1alpha1`,
    kind: APPLYSET_KIND,
    metadata: {
      name: environment,
      labels: {
        'applyset.kubernetes.io/id': applySetId(environment),
        'app.kubernetes.io/managed-by': 'platform-blueprint',
      },
      annotations: {
        'applyset.kubernetes.io/tooling': 'kubectl/v1.32.0',
        // kubectl 1.29+ reads the first, kubectl 1.27-1.28 the second (gcloud's kubectl dispatcher
        // runs the client that matches the server, so a 1.28 cluster gets kubectl 1.28).
        'applyset.kubernetes.io/contains-group-kinds': '',
        'applyset.kubernetes.io/contains-group-resources': '',
      },
    },
  });
}
