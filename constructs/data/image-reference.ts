/**
 * Whether an image reference is pinned: a digest (`@sha256:<64 hex>`), or a tag other than
 * `latest`. An image without a tag means `latest`, which changes under the same name.
 */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon > 0 && colon < lastSegment.length - 1 && lastSegment.slice(colon + 1) !== 'latest';
}
