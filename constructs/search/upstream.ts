import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repositoryRoot } from '../../config/origin-pull-ca';

/*
 * The OpenSearch Kubernetes Operator's own manifests, vendored at a pinned release
 * (vendor/opensearch-k8s-operator/README.md: source, tag, commit, license). The stacks apply these
 * documents as they are, adding only a name prefix and a namespace (what the operator's kustomize
 * `config/default` does); nothing here is written by us.
 */

/** The vendored release, found from the checkout's root (the program also runs transpiled from a cache). */
export const OPERATOR_VENDOR_DIR = path.join(repositoryRoot(), 'vendor', 'opensearch-k8s-operator');

type Json = Record<string, any>;

function documentsOf(file: string): Json[] {
  const text = fs.readFileSync(path.join(OPERATOR_VENDOR_DIR, file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON()).filter((d): d is Json => d !== null && typeof d === 'object');
}

/** Every CustomResourceDefinition of the release (the operator watches all of its kinds, so all must exist). */
export function operatorCrds(): Json[] {
  const dir = path.join(OPERATOR_VENDOR_DIR, 'crds');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => documentsOf(path.join('crds', f)));
}

/** The operator's ClusterRole (`manager-role`) and leader-election Role, as released. */
export function operatorRbac(): { clusterRole: Json; leaderElectionRole: Json } {
  const [clusterRole] = documentsOf('rbac/role.yaml');
  const [leaderElectionRole] = documentsOf('rbac/leader_election_role.yaml');
  if (clusterRole?.kind !== 'ClusterRole' || leaderElectionRole?.kind !== 'Role') {
    throw new Error(`${OPERATOR_VENDOR_DIR}/rbac: expected the release's ClusterRole and Role; re-vendor them (README.md there)`);
  }
  return { clusterRole, leaderElectionRole };
}
