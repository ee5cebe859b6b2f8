import { readFileSync } from 'fs';
import { join } from 'path';
import { attributeKey, DATA_SOURCE_STAND_INS, OUTPUT_STAND_INS, outputReference, RESOURCE_STAND_INS } from './stand-ins';
import { upstreamStackOf } from './stacks';
import type { PlannedOutputs, ResourceChange, StackJson, StandInUse } from './types';

// Stand-ins and upstream outputs

export interface Overrides {
  testFile: string;
  standIns: StandInUse[];
  offlineReads: string[];
}

/** The `terraform test` file of one stack: its overrides and one plan-only run. */
export function planOverrides(stack: string, json: StackJson, upstream: Record<string, PlannedOutputs>): Overrides {
  const blocks: string[] = [];
  const standIns: StandInUse[] = [];
  const offlineReads: string[] = [];
  const text = JSON.stringify(json);
  for (const [type, instances] of Object.entries(json.data ?? {})) {
    for (const name of Object.keys(instances)) {
      const address = `data.${type}.${name}`;
      let values: Record<string, unknown>;
      if (type === 'terraform_remote_state') {
        const from = upstream[name];
        values = { outputs: from.values };
        for (const [output, reason] of Object.entries(from.standIns)) {
          // Only the outputs this stack reads are worth listing.
          if (!text.includes(`${address}.outputs.${output}`)) continue;
          standIns.push({ target: `${address}.outputs.${output}`, value: from.values[output], reason: `${upstreamStackOf(stack, name)}: ${reason}` });
        }
      } else if (DATA_SOURCE_STAND_INS[type]) {
        const standIn = DATA_SOURCE_STAND_INS[type].values;
        values = typeof standIn === 'function' ? standIn((instances as Record<string, Record<string, unknown>>)[name], { locals: json.locals ?? {} }) : standIn;
        standIns.push({ target: address, value: values, reason: DATA_SOURCE_STAND_INS[type].reason });
      } else {
        offlineReads.push(address);
        continue;
      }
      // JSON is valid HCL expression syntax, quoted keys included.
      blocks.push(`override_data {\n  target = ${address}\n  values = ${JSON.stringify(values)}\n}\n`);
    }
  }
  for (const [type, instances] of Object.entries(json.resource ?? {})) {
    if (!RESOURCE_STAND_INS[type]) continue;
    for (const name of Object.keys(instances)) {
      standIns.push({ target: `${type}.${name}`, value: {}, reason: RESOURCE_STAND_INS[type].reason });
      blocks.push(`override_resource {\n  target = ${type}.${name}\n}\n`);
    }
  }
  blocks.push('run "plan" {\n  command = plan\n  plan_options {\n    refresh = false\n  }\n}\n');
  return { testFile: `# Written by tools/terraform-verify/verify.ts for ${stack}\n\n${blocks.join('\n')}`, standIns, offlineReads };
}

/**
 * The stack's outputs as its plan knows them. cdktf's cross-stack outputs are plain references to one
 * resource attribute (`${type.name.attr[0].sub}`), read from that resource's planned values; an
 * unknown one gets a stand-in. Anything else is an error rather than a guess.
 */
export function plannedOutputs(
  stack: string,
  json: StackJson,
  changes: ResourceChange[],
  inputs: StandInUse[],
  consumed: Set<string>,
): PlannedOutputs {
  const values: Record<string, unknown> = {};
  const standIns: Record<string, string> = {};
  const inputStandInStrings = inputs.flatMap((s) => stringsIn(s.value)).filter((s) => s.length >= 8);
  for (const name of Object.keys(json.output ?? {})) {
    if (!consumed.has(name)) continue;
    const { reference, path } = outputReference(json, stack, name);
    if (path[0] === 'data') {
      // An output that passes on a data source's attribute: offline, that is its stand-in's value.
      const [, dataType, dataName, ...attr] = path;
      const standIn = inputs.find((s) => s.target === `data.${dataType}.${dataName}`);
      if (!standIn) throw new Error(`${stack}: output ${name} reads data.${dataType}.${dataName}, which has no stand-in value to pass on`);
      values[name] = walk(standIn.value, undefined, attr).value;
      standIns[name] = `${reference} comes from a data source's stand-in (${standIn.reason})`;
      continue;
    }
    const [type, resourceName, ...rest] = path;
    const index = typeof rest[0] === 'number' ? `[${rest.shift()}]` : '';
    const address = `${type}.${resourceName}${index}`;
    const rc = changes.find((c) => c.mode === 'managed' && c.address === address);
    if (!rc) throw new Error(`${stack}: output ${name} reads ${address}, which the plan does not contain`);
    const { value, unknown } = walk(rc.change.after, rc.change.after_unknown, rest);
    if (!unknown) {
      values[name] = value;
      const carried = inputStandInStrings.find((s) => stringsIn(value).some((v) => v.includes(s)));
      if (carried !== undefined) standIns[name] = `${address}.${attributeKey(rest)} carries an upstream stand-in (${carried})`;
      continue;
    }
    const key = `${type}.${attributeKey(rest)}`;
    const standIn = OUTPUT_STAND_INS[key];
    if (!standIn) {
      throw new Error(
        `${stack}: output ${name} (${reference}) is unknown until apply and has no stand-in; ` +
          `add "${key}" to OUTPUT_STAND_INS in tools/terraform-verify/stand-ins.ts`,
      );
    }
    values[name] = standIn.value((rc.change.after ?? {}) as Record<string, unknown>);
    standIns[name] = `${reference} is unknown until apply; ${standIn.reason}`;
  }
  return { values, standIns };
}

/** Per upstream stack, the outputs some selected stack reads through `terraform_remote_state`. */
export function consumedOutputs(synthDir: string, stacks: string[]): Map<string, Set<string>> {
  const consumed = new Map<string, Set<string>>();
  for (const stack of stacks) {
    const text = readFileSync(join(synthDir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
    for (const m of text.matchAll(/data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const upstream = upstreamStackOf(stack, m[1]);
      if (!consumed.has(upstream)) consumed.set(upstream, new Set());
      consumed.get(upstream)!.add(m[2]);
    }
  }
  return consumed;
}

export function walk(after: unknown, afterUnknown: unknown, path: (string | number)[]): { value: unknown; unknown: boolean } {
  let value = after;
  let unknown = afterUnknown;
  for (const step of path) {
    if (unknown === true) return { value: undefined, unknown: true };
    value = value == null ? undefined : (value as Record<string | number, unknown>)[step];
    unknown = unknown == null ? undefined : (unknown as Record<string | number, unknown>)[step];
  }
  return { value, unknown: unknown === true };
}

export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
