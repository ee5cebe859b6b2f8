/** What verify:terraform reads (a stack's Terraform JSON, terraform's JSON output) and reports. */

export interface TerraformError {
  readonly stack: string;
  readonly phase: 'init' | 'validate' | 'plan';
  /** Resource or data source address (`google_container_cluster.gke`), when Terraform names one. */
  readonly address?: string;
  /** The attribute inside that block, when the error points at one. */
  readonly attribute?: string;
  /** Line in the stack's synthesized `cdk.tf.json`, when Terraform gives one. */
  readonly line?: number;
  readonly summary: string;
  readonly detail: string;
}

export interface StandInUse {
  /** What was replaced: `data.<type>.<name>` or `data.terraform_remote_state.<name>.outputs.<output>`. */
  readonly target: string;
  readonly value: unknown;
  readonly reason: string;
}

export type Status = 'ok' | 'failed' | 'skipped';

export interface StackReport {
  readonly stack: string;
  readonly providers: string[];
  validate: Status;
  plan: Status;
  add: number;
  change: number;
  destroy: number;
  /** Wall time of this stack's validate + plan, and of each. */
  seconds: number;
  validateSeconds: number;
  planSeconds: number;
  standIns: StandInUse[];
  /** Data sources the real provider read offline (no stand-in needed). */
  offlineReads: string[];
  errors: TerraformError[];
  /** Hosts a provider of this stack tried to reach (refused by the loopback proxy: nothing was sent). */
  networkAttempts: string[];
  /** Why the plan did not run, when it did not. */
  skippedBecause?: string;
}

export interface VerifyReport {
  readonly mode: 'mirror' | 'registry';
  readonly terraformVersion: string;
  readonly parallel: number;
  readonly providerInstallSeconds: number;
  readonly initSeconds: number;
  readonly wallSeconds: number;
  readonly stacks: StackReport[];
  readonly ok: boolean;
}

export interface VerifyOptions {
  /** A `cdktf synth` output directory. */
  readonly synthDir: string;
  /** Stacks to verify (their upstream stacks are planned too); @default every stack in the manifest */
  readonly stacks?: readonly string[];
  /** Concurrent terraform processes. @default 2 */
  readonly parallel?: number;
  /** Passed to prepareProviders: `null` forces registry mode. */
  readonly providersDir?: string | null;
  readonly toolsDir?: string;
  /** Keep the temporary working copies (for debugging). @default false */
  readonly keep?: boolean;
  /** Per terraform command; a provider waiting on the network is killed and reported. @default 300 */
  readonly timeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

export interface StackJson {
  terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
  data?: Record<string, Record<string, unknown>>;
  resource?: Record<string, Record<string, unknown>>;
  locals?: Record<string, unknown>;
  output?: Record<string, { value?: unknown }>;
  provider?: { kubernetes?: { exec?: { command?: unknown }[] }[] };
}

export interface ResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  change: { actions: string[]; after?: unknown; after_unknown?: unknown };
}

export interface Diagnostic {
  severity: string;
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename?: string; start?: { line?: number } };
  snippet?: { context?: string | null; code?: string };
}

/** Outputs of a planned stack as its downstream stacks receive them. */
export interface PlannedOutputs {
  readonly values: Record<string, unknown>;
  /** Per output that is (or carries) a stand-in: why. */
  readonly standIns: Record<string, string>;
}
