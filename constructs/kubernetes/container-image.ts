/** A container image pinned by tag and, where known, by content digest. */
export interface PinnedImage {
  /** Registry and path without tag, e.g. `nginxinc/nginx-unprivileged`. */
  readonly repository: string;
  /** A fixed tag; never `latest`. */
  readonly tag: string;
  /** `sha256:<64 hex>`; when given the runtime pulls exactly these bytes and the tag is informational. */
  readonly digest?: string;
}

/** `repository:tag[@digest]`: the tag keeps the reference readable, the digest makes it immutable. */
export function imageReference(image: PinnedImage): string {
  if (!image.tag || image.tag === 'latest') {
    throw new Error(`image ${image.repository}: tag must be pinned (got "${image.tag}"); use a version or commit tag`);
  }
  if (image.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(image.digest)) {
    throw new Error(`image ${image.repository}: digest must be "sha256:" followed by 64 lowercase hex digits (got "${image.digest}")`);
  }
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}
