import { z } from 'zod';
import { ConfigError } from './load';
import { formatPath } from './path';

/*
 * How the program is delivered: the GitHub repository whose workflows may act on the cloud projects.
 * Shared by every environment; the bootstrap stack turns it into Workload Identity Federation trust.
 */

export const deliverySchema = z.object({
  github: z.object({
    /** `owner/name` of the repository whose GitHub Actions workflows plan, push images and deploy. */
    repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
      message: 'must be a GitHub repository as "owner/name", e.g. "isoscribe/isoscribe-stack"',
    }),
    /**
     * GitHub's numeric ids of the repository and its owner (`gh api repos/OWNER/REPO --jq .id,.owner.id`).
     * The identity pool trusts these, not the name: a name can be taken by a recreated or transferred
     * repository, an id never (GitHub's OIDC claims `repository_id`, `repository_owner_id`:
     * https://docs.github.com/en/actions/reference/security/oidc).
     */
    repositoryId: z.string().regex(/^[1-9][0-9]{0,19}$/, { message: 'must be the repository\'s numeric id as a string: `gh api repos/OWNER/REPO --jq .id`' }),
    repositoryOwnerId: z.string().regex(/^[1-9][0-9]{0,19}$/, { message: 'must be the owner\'s numeric id as a string: `gh api repos/OWNER/REPO --jq .owner.id`' }),
    /** The branch that pushes images and deploys; pull requests from other branches only plan. */
    mainBranch: z.string().regex(/^[A-Za-z0-9._/-]{1,200}$/, { message: 'must be a branch name such as "main"' }).default('main'),
  }),
});

export type DeliveryInput = z.input<typeof deliverySchema>;
export type DeliveryConfig = z.output<typeof deliverySchema>;

export const DELIVERY: DeliveryInput = {
  // The ids must be the ones GitHub reports for this repository (docs/deploy.md, step 0); re-apply
  // every bootstrap stack after changing them.
  github: { repository: 'isoscribe/isoscribe-stack', repositoryId: '871204563', repositoryOwnerId: '150335821' },
};

/** Validates the delivery settings; throws a ConfigError naming the field and the fix. */
export function loadDelivery(input: DeliveryInput = DELIVERY): DeliveryConfig {
  const result = deliverySchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `config/delivery.ts › ${formatPath(issue.path)}: ${issue.message}`));
  }
  return result.data;
}
