import type { IConstruct } from 'constructs';

/**
 * A construct was given a value it cannot build, in the spirit of aws-cdk's
 * `ValidationError`. The message says what was received and what is allowed; `constructPath`
 * says where in the construct tree (when the check ran inside a construct).
 *
 * Constructs throw only this for bad props, so that the CLI can report any check the
 * environment schema does not mirror as invalid input (exit 2) rather than as a bug.
 */
export class ValidationError extends Error {
  /** The construct's path in the tree, e.g. `prod-k8s/orders/Deployment`. @default - thrown outside a construct */
  public readonly constructPath?: string;

  constructor(message: string, scope?: IConstruct) {
    super(message);
    this.name = 'ValidationError';
    if (scope !== undefined) this.constructPath = scope.node.path;
  }
}
