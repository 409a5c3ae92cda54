import { containerLabel, containersOf, podRunners } from '../pod-specs';
import type { PolicyRule, Violation } from '../rule';

/** Why an image reference is not pinned, or undefined when it is (a version tag or a digest). */
export function unpinnedReason(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  if (colon === -1) return `runs image ${JSON.stringify(image)} without a tag (that is :latest)`;
  const tag = lastPart.slice(colon + 1);
  if (tag === 'latest') return `runs image ${JSON.stringify(image)}, pinned to the moving tag :latest`;
  return undefined;
}

/** Every image is pinned by a version tag or a digest: `:latest` and untagged images move under a rollout. */
export const imagePinnedRule: PolicyRule = {
  id: 'image-pinned',
  summary: 'every image is pinned by a version tag or a digest (no :latest, no untagged image)',
  check({ objects }) {
    const violations: Violation[] = [];
    for (const { object, pod } of podRunners(objects)) {
      for (const { container, init } of containersOf(pod)) {
        const reason = unpinnedReason(container.image);
        if (reason)
          violations.push({
            rule: 'image-pinned',
            object,
            message: `${containerLabel(container, init)} ${reason}`,
          });
      }
    }
    return violations;
  },
};
