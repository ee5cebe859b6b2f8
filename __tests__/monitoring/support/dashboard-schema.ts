/**
 * Checks a Cloud Monitoring dashboard (the JSON the google provider sends as `dashboard_json`, which
 * it does not validate) against the Monitoring API v1 Discovery document vendored in
 * testing/upstream/google-api-python-client/. Every rule comes from that document or from the API's
 * protos; none is ours:
 *
 * - a field the schema does not define is an error (the API rejects unknown fields in a request body);
 * - every value has its schema's type (string, boolean, integer of its format's range, number,
 *   array, object, or a referenced schema), and an enum field holds one of the values listed;
 * - a field whose description starts "Required." is present;
 * - a oneof of the protos (below) holds exactly one member;
 * - a mosaic layout's grid: `columns` between the bounds the description states (1 and 48), every
 *   tile's `xPos`/`yPos` ≥ 0, `width`/`height` ≥ 1, and the tile contained within the columns.
 *   (REST reference: https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards#mosaiclayout)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DISCOVERY_FILE = join(__dirname, '../../../testing/upstream/google-api-python-client/v2.202.0/monitoring.v1.json');

interface Property {
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  items?: Property;
  additionalProperties?: Property;
  properties?: Record<string, Property>;
  description?: string;
}
interface Schema extends Property {
  id: string;
}
interface DiscoveryDocument {
  revision: string;
  schemas: Record<string, Schema>;
}

/**
 * The protos' oneofs among the schemas a dashboard of ours uses (googleapis/googleapis,
 * google/monitoring/dashboard/v1: dashboard.proto `oneof layout`, widget.proto `oneof content`,
 * metrics.proto TimeSeriesQuery `oneof source`); the Discovery document has no notion of a oneof.
 */
export const ONEOFS: Record<string, { name: string; members: readonly string[] }> = {
  Dashboard: { name: 'layout', members: ['gridLayout', 'mosaicLayout', 'rowLayout', 'columnLayout'] },
  Widget: {
    name: 'content',
    members: ['xyChart', 'scorecard', 'text', 'blank', 'alertChart', 'timeSeriesTable', 'collapsibleGroup', 'logsPanel', 'incidentList',
      'pieChart', 'errorReportingPanel', 'sectionHeader', 'singleViewGroup', 'filterControl', 'treemap'],
  },
  TimeSeriesQuery: { name: 'source', members: ['timeSeriesFilter', 'timeSeriesFilterRatio', 'timeSeriesQueryLanguage', 'prometheusQuery', 'opsAnalyticsQuery'] },
};

export function loadDiscovery(file = DISCOVERY_FILE): DiscoveryDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as DiscoveryDocument;
}

const INT_RANGE: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/** The bounds a description states as "between A and B, inclusive". */
export function statedBounds(description: string | undefined): [number, number] {
  const match = /between (\d+) and (\d+), inclusive/.exec(description ?? '');
  if (!match) throw new Error(`no "between A and B, inclusive" in: ${description}`);
  return [Number(match[1]), Number(match[2])];
}

/** Every violation of the schema in `value` (a Dashboard), as "path: what is wrong"; empty when valid. */
export function validateDashboard(value: unknown, doc: DiscoveryDocument = loadDiscovery()): string[] {
  const errors: string[] = [];
  const check = (v: unknown, prop: Property, path: string): void => {
    if (prop.$ref) return checkSchema(v, prop.$ref, path);
    switch (prop.type) {
      case 'string':
        // int64 and uint64 travel as strings in the REST encoding; the API accepts a JSON number too.
        if (/^u?int64$/.test(prop.format ?? '') && typeof v === 'number' && Number.isInteger(v)) return;
        if (typeof v !== 'string') errors.push(`${path}: expected a string, got ${JSON.stringify(v)}`);
        else if (prop.enum && !prop.enum.includes(v)) errors.push(`${path}: "${v}" is not one of ${prop.enum.join(', ')}`);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') errors.push(`${path}: expected a boolean, got ${JSON.stringify(v)}`);
        return;
      case 'integer': {
        const [min, max] = INT_RANGE[prop.format ?? 'int32'] ?? INT_RANGE.int32;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) errors.push(`${path}: expected an ${prop.format ?? 'integer'}, got ${JSON.stringify(v)}`);
        return;
      }
      case 'number':
        if (typeof v !== 'number') errors.push(`${path}: expected a number, got ${JSON.stringify(v)}`);
        return;
      case 'array':
        if (!Array.isArray(v)) errors.push(`${path}: expected an array, got ${JSON.stringify(v)}`);
        else v.forEach((item, i) => check(item, prop.items!, `${path}[${i}]`));
        return;
      case 'object':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) errors.push(`${path}: expected an object, got ${JSON.stringify(v)}`);
        else if (prop.additionalProperties) for (const [k, item] of Object.entries(v)) check(item, prop.additionalProperties, `${path}.${k}`);
        else if (prop.properties) checkProperties(v as Record<string, unknown>, prop.properties, path);
        return;
      case 'any':
        return;
      default:
        errors.push(`${path}: the schema's type "${prop.type}" is not one this check knows`);
    }
  };
  const checkProperties = (object: Record<string, unknown>, properties: Record<string, Property>, path: string): void => {
    for (const [key, v] of Object.entries(object)) {
      const prop = properties[key];
      if (!prop) errors.push(`${path}.${key}: unknown field (the schema has ${Object.keys(properties).sort().join(', ')})`);
      else check(v, prop, `${path}.${key}`);
    }
    for (const [key, prop] of Object.entries(properties)) {
      if (/^Required\./.test(prop.description ?? '') && !(key in object)) errors.push(`${path}.${key}: required field missing`);
    }
  };
  const checkSchema = (v: unknown, ref: string, path: string): void => {
    const schema = doc.schemas[ref];
    if (!schema) return void errors.push(`${path}: schema ${ref} is not in the document`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void errors.push(`${path}: expected a ${ref} object, got ${JSON.stringify(v)}`);
    const object = v as Record<string, unknown>;
    checkProperties(object, schema.properties ?? {}, path);
    const oneof = ONEOFS[ref];
    if (oneof) {
      const set = oneof.members.filter((m) => m in object);
      if (set.length !== 1) errors.push(`${path}: a ${ref} holds exactly one of its ${oneof.name} (${oneof.members.join(', ')}); it has ${set.length === 0 ? 'none' : set.join(', ')}`);
    }
    if (ref === 'MosaicLayout') checkMosaic(object, schema, path);
  };
  const checkMosaic = (layout: Record<string, unknown>, schema: Schema, path: string): void => {
    const [min, max] = statedBounds(schema.properties?.columns?.description);
    const columns = layout.columns;
    if (typeof columns !== 'number' || columns < min || columns > max) {
      errors.push(`${path}.columns: must be between ${min} and ${max} (got ${JSON.stringify(columns)})`);
      return;
    }
    const tiles = Array.isArray(layout.tiles) ? (layout.tiles as Array<Record<string, number>>) : [];
    tiles.forEach((tile, i) => {
      const at = `${path}.tiles[${i}]`;
      const { xPos = 0, yPos = 0, width = 0, height = 0 } = tile;
      if (xPos < 0 || yPos < 0) errors.push(`${at}: xPos and yPos cannot be negative (${xPos}, ${yPos})`);
      if (width < 1 || height < 1) errors.push(`${at}: width and height must be at least 1 (${width}, ${height})`);
      if (xPos + width > columns) errors.push(`${at}: spans columns ${xPos}–${xPos + width}, outside the grid's ${columns}`);
    });
  };
  checkSchema(value, 'Dashboard', 'dashboard');
  return errors;
}
