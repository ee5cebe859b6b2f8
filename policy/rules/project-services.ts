import { strings } from '../attributes';
import { API_OF_RESOURCE_TYPE, NO_API_NEEDED, PROJECT_SERVICE } from '../../constructs/gcp/project-services';
import { address, type PolicyRule, type ResourceView, type StackView } from '../rule';

/** `google_project_service.<name>` addresses a value points at, in depends_on or a `${...}` reference. */
function addressesIn(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/(?:^|\$\{|[^A-Za-z0-9_.])([a-z0-9_]+\.[A-Za-z0-9_-]+)/g)) found.add(m[1]);
    return;
  }
  if (Array.isArray(value)) for (const item of value) addressesIn(item, found);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) addressesIn(item, found);
}

/** Every same-stack resource address this resource depends on, directly or through others (depends_on and references). */
function dependencyClosure(resource: ResourceView, stack: StackView): Set<string> {
  const byAddress = new Map(stack.resources.map((r) => [address(r), r]));
  const seen = new Set<string>();
  const queue = [resource];
  while (queue.length > 0) {
    const found = new Set<string>();
    addressesIn(queue.pop()!.attributes, found);
    for (const a of found) {
      const target = byAddress.get(a);
      if (!target || seen.has(a)) continue;
      seen.add(a);
      queue.push(target);
    }
  }
  return seen;
}

/** The APIs this stack enables, by service name → the enabling resources' addresses. */
function enabledServices(stack: StackView): Map<string, string> {
  return new Map(stack.ofType(PROJECT_SERVICE).map((r) => [String(r.attributes.service), address(r)]));
}

export const PROJECT_SERVICE_RULES: PolicyRule[] = [
  {
    id: 'API-001',
    resourceTypes: Object.keys(API_OF_RESOURCE_TYPE),
    description: 'A resource of an API that its own stack enables is created after that enablement (depends_on, directly or through a resource it references), so a new project\'s first apply does not race it.',
    fix: 'add the stack\'s google_project_service for that API to the resource\'s dependsOn (e.g. dependsOn: services, or node.addDependency(...services) on a construct).',
    check: (r, stack) => {
      const api = API_OF_RESOURCE_TYPE[r.type];
      const enabling = enabledServices(stack).get(api);
      if (!enabling) return [];
      if (dependencyClosure(r, stack).has(enabling)) return [];
      const direct = strings(r.attributes.depends_on);
      return [`the stack enables ${api} (${enabling}) but ${address(r)} does not depend on it (depends_on: ${direct.length ? direct.join(', ') : 'none'})`];
    },
  },
];

/** The Google resource types of a stack that enables APIs but has no entry above (a new type: map it). */
export function unmappedResourceTypes(stack: { resources: readonly { type: string }[] }): string[] {
  const types = new Set(stack.resources.map((r) => r.type).filter((t) => t.startsWith('google_')));
  if (!types.has(PROJECT_SERVICE)) return [];
  return [...types].filter((t) => !(t in API_OF_RESOURCE_TYPE) && !NO_API_NEEDED.includes(t)).sort();
}
