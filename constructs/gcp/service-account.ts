import { DataGoogleServiceAccount } from '@cdktf/provider-google/lib/data-google-service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount as GoogleServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { Construct } from 'constructs';

export interface ServiceAccountProps {
  readonly project: string;
  /** The account id (6-30 chars): the part before `@`. */
  readonly accountId: string;
  readonly displayName: string;
  readonly description?: string;
  /**
   * Project-level roles. Prefer granting on the resource itself (bucket, secret, repository);
   * list here only roles that have no narrower scope.
   * @default - none
   */
  readonly projectRoles?: string[];
}

/** A Google service account and the project roles it holds, nothing more. */
export class ServiceAccount extends Construct {
  readonly account: GoogleServiceAccount;
  /** `serviceAccount:<email>`, for IAM bindings. */
  readonly member: string;
  readonly email: string;

  constructor(scope: Construct, id: string, props: ServiceAccountProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.accountId)) {
      throw new Error(`ServiceAccount accountId "${props.accountId}" must be 6-30 lowercase letters, digits or hyphens, starting with a letter; shorten the name prefix`);
    }
    for (const role of props.projectRoles ?? []) {
      if (role === 'roles/owner' || role === 'roles/editor') {
        throw new Error(`ServiceAccount ${props.accountId}: ${role} is a primitive role; grant the specific predefined roles it needs`);
      }
    }
    this.account = new GoogleServiceAccount(this, 'account', {
      project: props.project,
      accountId: props.accountId,
      displayName: props.displayName,
      description: props.description,
    });
    this.email = this.account.email;
    this.member = this.account.member;
    for (const role of props.projectRoles ?? []) {
      new ProjectIamMember(this, role.replace(/^roles\//, ''), { project: props.project, role, member: this.member });
    }
  }
}

export interface ExistingServiceAccountProps {
  readonly project: string;
  /** The account id (the part before `@`) of an account another stack created. */
  readonly accountId: string;
}

/**
 * A service account created elsewhere (the bootstrap stack), read by a data source: the plan fails
 * with "not found" when that stack has not run yet, instead of creating a second account.
 * Same shape as ServiceAccount (`account.name`, `email`, `member`).
 */
export class ExistingServiceAccount extends Construct {
  readonly account: DataGoogleServiceAccount;
  readonly member: string;
  readonly email: string;

  constructor(scope: Construct, id: string, props: ExistingServiceAccountProps) {
    super(scope, id);
    this.account = new DataGoogleServiceAccount(this, 'account', { project: props.project, accountId: props.accountId });
    this.email = this.account.email;
    this.member = this.account.member;
  }
}
