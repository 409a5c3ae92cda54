import { ValidationError } from '../core/validation-error';
/** A Service a route sends requests to. */
export interface LaneBackend {
  /** Name of the Service (in the route's namespace). */
  readonly name: string;
  /** Service port number. */
  readonly port: number;
}

/** A header condition: the request carries `name` with exactly `value`. */
export interface HeaderCondition {
  /** Header name. */
  readonly name: string;
  /** Exact value. */
  readonly value: string;
}

/** A gray version that takes part of the traffic. */
export interface GrayLane {
  /** Lane name; requests carrying `<markHeader>: <lane>` go to the gray backend. */
  readonly lane: string;
  /** The gray version's Service. */
  readonly backend: LaneBackend;
  /** Percent (0-100) of unmarked requests sent to the gray version. @default 0 */
  readonly weight?: number;
  /** Requests carrying all of these headers enter the lane too (and are marked). @default [] */
  readonly headers?: readonly HeaderCondition[];
}

/** Props of {@link LaneSplit}. */
export interface LaneSplitProps {
  /** The stable version's Service. */
  readonly stable: LaneBackend;
  /** The gray version. @default - no gray version: the stable version gets 100% */
  readonly gray?: GrayLane;
  /** Header that carries the lane mark. @default x-gray-tag */
  readonly markHeader?: string;
  /** Whether unmarked requests are split by `gray.weight`; false sends them all to stable. @default true */
  readonly splitByWeight?: boolean;
  /**
   * Whether the gray share of the weighted split gets the mark set on its backendRef (a
   * backendRef-level RequestHeaderModifier, implementation-specific in the Gateway API). Envoy
   * Gateway v1.2.8 renders the backends of a rule as one cluster and the backendRef filters as
   * weighted-cluster entries of that same cluster, so the mark would be set on 10% of requests
   * independently of the backend that serves them (`egctl x translate` shows it): marked
   * requests would reach stable and pass the mark on. With false, the gray share is unmarked at
   * the edge and the gray pods mark their own outgoing calls (`GRAY_TAG`). @default true
   */
  readonly markWeightedShare?: boolean;
}

/** A backend of a rule with its share and whether requests sent to it get the mark set. */
export interface LaneRuleBackend extends LaneBackend {
  /** Relative weight. @default - the only backend of its rule */
  readonly weight?: number;
  /** Mark header to set on requests forwarded to this backend (a backendRef-level filter). @default - none */
  readonly setMark?: HeaderCondition;
}

/** One protocol-neutral routing rule: conditions, a rule-level mark to set, and backends. */
export interface LaneRule {
  /** Rule name, unique within the route. */
  readonly name: string;
  /** Header conditions, all of which must hold. Empty: every request (of the route's paths). */
  readonly headers: readonly HeaderCondition[];
  /** Mark header set on every request of the rule (a rule-level RequestHeaderModifier). @default - none */
  readonly setMark?: HeaderCondition;
  /** Where the requests go. */
  readonly backends: readonly LaneRuleBackend[];
}

/**
 * The routing rules of full-link grayscale, independent of HTTPRoute or GRPCRoute. A pure
 * renderer: the route constructs turn its rules into Gateway API rules.
 *
 * With a gray version in lane `L`:
 * 1. `lane-L-mark`: requests carrying `<markHeader>: L` go to the gray version;
 * 2. `lane-L-headers` (when gray headers are given): requests carrying them go to the gray
 *    version, and the mark is set (RequestHeaderModifier) so that every later hop keeps them in the lane;
 * 3. `default`: the rest is split by weight between stable and gray; requests sent to gray get
 *    the mark set on the way (a backendRef-level RequestHeaderModifier) unless
 *    `markWeightedShare` is false.
 * Without a gray version there is one rule, `default`, sending everything to stable.
 */
export class LaneSplit {
  /** The rules, most specific first. */
  public readonly rules: readonly LaneRule[];
  /** The mark header. */
  public readonly markHeader: string;

  constructor(props: LaneSplitProps) {
    this.markHeader = props.markHeader ?? 'x-gray-tag';
    const gray = props.gray;
    if (!gray) {
      this.rules = [{ name: 'default', headers: [], backends: [{ ...props.stable }] }];
      return;
    }
    const weight = gray.weight ?? 0;
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new ValidationError(
        `LaneSplit: 'gray.weight' (${weight}) must be a whole number between 0 and 100`,
      );
    }
    if (gray.backend.name === props.stable.name) {
      throw new ValidationError(
        `LaneSplit: 'gray.backend.name' (${JSON.stringify(gray.backend.name)}) must differ from the stable backend`,
      );
    }
    const mark: HeaderCondition = { name: this.markHeader, value: gray.lane };
    const rules: LaneRule[] = [
      { name: `lane-${gray.lane}-mark`, headers: [mark], backends: [{ ...gray.backend }] },
    ];
    const headers = gray.headers ?? [];
    if (headers.length > 0) {
      rules.push({
        name: `lane-${gray.lane}-headers`,
        headers: headers.map((header) => ({ ...header })),
        setMark: mark,
        backends: [{ ...gray.backend }],
      });
    }
    const split = props.splitByWeight ?? true;
    if (split && weight === 100) {
      rules.push({ name: 'default', headers: [], setMark: mark, backends: [{ ...gray.backend }] });
    } else if (split && weight > 0) {
      rules.push({
        name: 'default',
        headers: [],
        backends: [
          { ...props.stable, weight: 100 - weight },
          { ...gray.backend, weight, ...((props.markWeightedShare ?? true) ? { setMark: mark } : {}) },
        ],
      });
    } else {
      rules.push({ name: 'default', headers: [], backends: [{ ...props.stable }] });
    }
    this.rules = rules;
  }
}
