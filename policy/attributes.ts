/*
 * Reading a resource's synthesized Terraform attributes (the body written to cdk.tf.json).
 *
 * cdktf writes a block that allows one item as an object and a repeated block as an array; these
 * helpers read both the same way, so a rule does not care which the provider binding chose.
 */

export type Attributes = Record<string, unknown>;

/** The block itself, or the first item of a repeated block; undefined when absent. */
export function one(value: unknown): Attributes | undefined {
  const item = Array.isArray(value) ? value[0] : value;
  return item !== null && typeof item === 'object' ? (item as Attributes) : undefined;
}

/** Every item of a block (an absent block has none, a single block is one). */
export function many(value: unknown): Attributes[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is Attributes => v !== null && typeof v === 'object');
}

/** The value at a dotted path (`spec.template.spec`), stepping into the first item of repeated blocks. */
export function at(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const key of path.split('.')) {
    const block = one(current);
    if (!block) return undefined;
    current = block[key];
  }
  return current;
}

/** A list attribute as an array of strings (absent → empty). */
export function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Terraform JSON accepts booleans as `true` or `"true"`. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

/** A Terraform expression (a reference to another resource, a variable, a remote state output). */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** How a value reads in a message: JSON, or "absent". */
export function show(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}

/** Plain objects and maps (labels, selectors) with their string values. */
export function stringMap(value: unknown): Record<string, string> {
  const block = one(value);
  if (!block) return {};
  return Object.fromEntries(Object.entries(block).map(([k, v]) => [k, String(v)]));
}

/**
 * No problem when the attribute at `path` of `block` satisfies `holds`, else the one problem
 * `<path> is <value>` (then `note`): a rule names each attribute once, for the check and the message.
 */
export function requireAt(block: unknown, path: string, holds: (value: unknown) => boolean, note?: string): string[] {
  const value = at(block, path);
  return holds(value) ? [] : [`${path} is ${show(value)}${note === undefined ? '' : ` ${note}`}`];
}
