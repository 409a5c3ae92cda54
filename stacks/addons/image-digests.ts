// Image digests an environment pins for the add-ons (`addons.imageDigests`): every reference to
// a pinned image in the add-ons' objects, wherever it is written (a container's `image`, an
// operator's `--…-image=` argument, a configuration file inside a ConfigMap), becomes
// `image:tag@sha256:…`, so that a re-pushed tag cannot change what runs. The upstream releases
// publish tags in their manifests, not digests, and this machine cannot reach a registry to
// look them up: the operator pins what `crane digest`/`skopeo inspect` tell them.

/** Characters that may stand right before or after an image reference inside a longer string. */
const EDGE = String.raw`(^|[\s="':,\[])`;
const END = String.raw`(?=$|[\s"',\]])`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Replaces, in every string of `value` (deeply; a copy), each reference in `digests` (the
 * image as written in the output, e.g. behind a mirror) by `reference@digest`, and adds the
 * references it replaced to `used`.
 */
export function pinImageDigests<T>(value: T, digests: ReadonlyMap<string, string>, used: Set<string>): T {
  if (digests.size === 0) return value;
  const patterns = [...digests].map(
    ([reference, digest]) =>
      [reference, new RegExp(`${EDGE}${escapeRegExp(reference)}${END}`, 'g'), digest] as const,
  );
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      let text = node;
      for (const [reference, pattern, digest] of patterns)
        text = text.replace(pattern, (_match, edge: string) => {
          used.add(reference);
          return `${edge}${reference}@${digest}`;
        });
      return text;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    return node;
  };
  return walk(value) as T;
}

/** Every container image the objects name (`image` fields of pod templates, Prometheus, Alertmanager). */
export function imagesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const child of value) imagesIn(child, into);
  else if (value !== null && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) {
      if (key === 'image' && typeof child === 'string') into.add(child.split('@')[0] as string);
      else imagesIn(child, into);
    }
  return into;
}
