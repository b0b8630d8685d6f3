/**
 * How the provider's grants are laid out in IAM policies, so that every custom resource keeps the
 * grants its Delete needs until CloudFormation has deleted it.
 *
 * CloudFormation updates a policy that changed during UPDATE_IN_PROGRESS, and deletes the
 * resources that left the stack (or were replaced) afterwards, in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS.
 * With one policy for the whole role, rebuilt from the template's constructs, a removed resource's
 * Delete runs with a policy that no longer grants it anything (the bug class of aws/aws-cdk#9840).
 *
 * The layout:
 *  - one inline policy (`AWS::IAM::Policy`) per kind of construct, with the grants that name no
 *    domain (actions IAM accepts only on `*`, the stack's own id, source objects);
 *  - the grants that name a domain in customer managed policies (`AWS::IAM::ManagedPolicy`), each
 *    domain in one of DOMAIN_POLICY_BUCKETS buckets chosen by a hash of its ARN;
 *  - every policy's logical id is a short prefix and a hash of its kind or bucket and its
 *    document (contracts/grant-policies.ts). A policy whose grants change is therefore a new
 *    resource: CloudFormation creates it before the resources that depend on it,
 *    and deletes the old one in the cleanup phase, after every resource that depended on it in
 *    the old template. No policy is ever updated in place to grant less;
 *  - every custom resource DependsOn the policies that hold its grants, so it is created after
 *    them and deleted before them, in a removal, a replacement, a stack deletion and a rollback.
 *
 * Why not one policy per resource (aws/aws-cdk#10012): IAM counts all inline policies of a role
 * together (10,240 characters), which per-resource policies pass at about 80 resources; managed
 * policies are limited to 10 per role. Kinds are few and their inline policies small and stable;
 * domains are many, so their grants go to a bounded number of managed policies (6,144 characters
 * each). During an update a replaced policy and its successor are both attached for a moment,
 * so the synth-time check leaves room for that (see checkLimits).
 */
import { createHash } from 'crypto';
import { Aspects, CfnResource, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { DOMAIN_POLICY_ID_PREFIX, KIND_POLICY_ID_PREFIX, kindPolicyName } from './contracts/grant-policies';

/** IAM's limits (counted without white space): all inline policies of one role, one managed policy. */
export const INLINE_POLICY_LIMIT = 10_240;
export const MANAGED_POLICY_LIMIT = 6_144;
/** IAM's default quota of managed policies attached to one role. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/**
 * Managed policies for domain grants. A bucket is replaced whenever one of its domains gains or
 * loses a grant; while CloudFormation swaps it the role holds both, so twice this number stays
 * within MANAGED_POLICIES_PER_ROLE.
 */
export const DOMAIN_POLICY_BUCKETS = 4;

/** What one kind or one domain bucket grants, and the policy that holds it. */
interface PolicyGroup {
  /** Logical id prefix; a hash of `key` and the document is appended. */
  readonly idPrefix: string;
  /** What the policy is for (a kind, a bucket): two policies with one document still differ. */
  readonly key: string;
  /** The construct kind of an inline policy, which names it in IAM. */
  readonly kind?: string;
  readonly policy: iam.Policy | iam.ManagedPolicy;
  /** Statements as added, by their resolved JSON (each statement once). */
  readonly statements: Map<string, iam.PolicyStatement>;
  readonly domains: Set<string>;
}

type StatementJson = { Effect?: string; Action?: unknown; Resource?: unknown; [key: string]: unknown };

/** The provider's grants, in the layout above. Created once per provider. */
export class GrantLayout {
  private readonly kinds = new Map<string, PolicyGroup>();
  private readonly buckets = new Map<number, PolicyGroup>();
  private finalized = false;

  /**
   * @param onPolicy called with each policy when it is made: the provider acknowledges there the
   *   cdk-nag findings its grants cannot avoid (cdk-nag 2 reads them from each resource's metadata,
   *   which must be written on the resource itself).
   */
  constructor(
    private readonly scope: Construct,
    private readonly role: iam.Role,
    private readonly onPolicy: (policy: Construct) => void = () => {},
  ) {
    Aspects.of(scope).add(new FinalizeGrants(this));
  }

  /**
   * Grants `statements` to the handler role for `resource`, and makes the resource depend on the
   * policy that holds them. Statements naming `domainArn` (and only it) go to that domain's
   * managed policy; the others (`*`, the stack, objects) to the inline policy of `kind`.
   *
   * @param kind the construct kind, e.g. `PackageDissociation`; letters and digits only
   */
  public grant(resource: IConstruct, kind: string, domainArn: string | undefined, statements: iam.PolicyStatement[]): void {
    if (this.finalized) {
      throw new Error(`cdk-opensearch-lifecycle: ${resource.node.path} was added after the stack was synthesized`);
    }
    if (!/^[A-Za-z0-9]+$/.test(kind)) throw new Error(`cdk-opensearch-lifecycle: grant kind "${kind}" must be letters and digits`);
    const group = domainArn === undefined ? this.kindGroup(kind) : this.bucketGroup(domainArn);
    if (domainArn !== undefined) group.domains.add(this.resolvedKey(domainArn));
    for (const statement of statements) {
      const key = this.resolvedKey(statement.toStatementJson());
      if (!group.statements.has(key)) group.statements.set(key, statement);
    }
    resource.node.addDependency(group.policy);
  }

  private resolvedKey(value: unknown): string {
    return JSON.stringify(Stack.of(this.scope).resolve(value));
  }

  private kindGroup(kind: string): PolicyGroup {
    let group = this.kinds.get(kind);
    if (!group) {
      const policy = new iam.Policy(this.scope, `Grants${kind}`, { roles: [this.role] });
      this.onPolicy(policy);
      group = { idPrefix: KIND_POLICY_ID_PREFIX, key: `kind:${kind}`, kind, policy, statements: new Map(), domains: new Set() };
      this.kinds.set(kind, group);
    }
    return group;
  }

  private bucketGroup(domainArn: string): PolicyGroup {
    const digest = createHash('sha256').update(this.resolvedKey(domainArn)).digest();
    const bucket = digest.readUInt32BE(0) % DOMAIN_POLICY_BUCKETS;
    let group = this.buckets.get(bucket);
    if (!group) {
      const policy = new iam.ManagedPolicy(this.scope, `DomainGrants${bucket}`, {
        roles: [this.role],
        description: `cdk-opensearch-lifecycle handlers: grants on the stack's domains (bucket ${bucket} of ${DOMAIN_POLICY_BUCKETS})`,
      });
      this.onPolicy(policy);
      group = { idPrefix: DOMAIN_POLICY_ID_PREFIX, key: `bucket:${bucket}`, policy, statements: new Map(), domains: new Set() };
      this.buckets.set(bucket, group);
    }
    return group;
  }

  /**
   * Writes every policy's document (statements with the same resources share one statement, then
   * statements with the same actions), names each policy after its document's hash, and checks
   * IAM's size limits. Runs once, when the stack is synthesized.
   */
  public finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    const stack = Stack.of(this.scope);
    const documents = new Map<PolicyGroup, unknown>();
    for (const group of [...this.kinds.values(), ...this.buckets.values()]) {
      const merged = mergeStatements(
        [...group.statements.values()].map((statement) => statement.toStatementJson() as StatementJson),
        stack,
      );
      for (const statement of merged) group.policy.addStatements(iam.PolicyStatement.fromJson(statement));
      const document = stack.resolve(group.policy.document.toJSON());
      documents.set(group, document);
      const hash = createHash('sha256')
        .update(`${group.key}\n${JSON.stringify(document)}`)
        .digest('hex')
        .slice(0, 8)
        .toUpperCase();
      // Short: every construct's DependsOn names it. The hash makes a changed policy a new one.
      const cfn = group.policy.node.defaultChild as CfnResource;
      cfn.overrideLogicalId(`${group.idPrefix}${hash}`);
      // The IAM name says what the policy is for (and changes with the hash: the old and the new
      // policy are on the role together while CloudFormation swaps them).
      if (group.kind !== undefined) (cfn as iam.CfnPolicy).policyName = kindPolicyName(group.kind, hash);
    }
    this.checkLimits(stack, documents);
  }

  /**
   * Fails at synth, with how to split the stack, where a deployment would pass an IAM limit
   * half-way. Token lengths are estimated at their longest (see estimatedLength). The room kept:
   * the inline total plus its largest policy (one kind policy swapped at a time), and each managed
   * policy on its own (its successor is a separate policy).
   *
   * @param documents each group's policy document, as finalize resolved it
   */
  private checkLimits(stack: Stack, documents: Map<PolicyGroup, unknown>): void {
    const where = `cdk-opensearch-lifecycle: stack ${stack.stackName}`;
    const advice =
      'Split the constructs of this library across more stacks: each stack has its own provider and role, so each gets its own IAM limits.';
    const inlineSizes = [
      ...this.role.node
        .findAll()
        .filter((child): child is iam.CfnPolicy => child instanceof iam.CfnPolicy)
        .map((cfn) => estimatedLength(stack.resolve(cfn.policyDocument), stack)),
      ...[...this.kinds.values()].map((group) => estimatedLength(documents.get(group), stack)),
    ];
    const inlineTotal = inlineSizes.reduce((sum, size) => sum + size, 0);
    const inlineNeeded = inlineTotal + Math.max(0, ...inlineSizes);
    if (inlineNeeded > INLINE_POLICY_LIMIT) {
      throw new Error(
        `${where}: the handler role's inline policies would need up to ${inlineNeeded} characters while one is replaced (IAM allows ${INLINE_POLICY_LIMIT} for a role). ${advice}`,
      );
    }
    for (const [bucket, group] of this.buckets) {
      const size = estimatedLength(documents.get(group), stack);
      if (size > MANAGED_POLICY_LIMIT) {
        throw new Error(
          `${where}: the grants on ${group.domains.size} domains in managed policy ${bucket + 1} of ${DOMAIN_POLICY_BUCKETS} would take about ${size} characters (IAM allows ${MANAGED_POLICY_LIMIT} for a managed policy). ${advice}`,
        );
      }
    }
  }
}

/** Runs GrantLayout.finalize when the stack is synthesized (aspects run before templates are written). */
class FinalizeGrants implements IAspect {
  constructor(private readonly layout: GrantLayout) {}
  visit(_node: IConstruct): void {
    this.layout.finalize();
  }
}

/**
 * Statements on the same resources become one statement with all their actions; then statements
 * with the same actions become one with all their resources. Statements with conditions or
 * anything but Effect, Action and Resource are kept as they are. The grants stay exactly the same.
 */
export function mergeStatements(statements: StatementJson[], stack: Stack): StatementJson[] {
  const plain = (s: StatementJson) => s.Effect === 'Allow' && Object.keys(s).every((key) => ['Effect', 'Action', 'Resource'].includes(key));
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const key = (value: unknown[]) => JSON.stringify(value.map((item) => JSON.stringify(stack.resolve(item))).sort());
  const unique = (values: unknown[]) => {
    const seen = new Map<string, unknown>();
    for (const value of values) seen.set(JSON.stringify(stack.resolve(value)), value);
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, value]) => value);
  };
  const kept = statements.filter((s) => !plain(s));
  const byResources = new Map<string, { resources: unknown[]; actions: unknown[] }>();
  for (const s of statements.filter(plain)) {
    const k = key(list(s.Resource));
    const entry = byResources.get(k) ?? { resources: list(s.Resource), actions: [] };
    entry.actions.push(...list(s.Action));
    byResources.set(k, entry);
  }
  const byActions = new Map<string, { resources: unknown[]; actions: unknown[] }>();
  for (const entry of byResources.values()) {
    const actions = unique(entry.actions);
    const k = key(actions);
    const existing = byActions.get(k) ?? { resources: [], actions };
    existing.resources.push(...entry.resources);
    byActions.set(k, existing);
  }
  const merged = [...byActions.values()].map((entry): StatementJson => ({
    Effect: 'Allow',
    Action: entry.actions,
    Resource: unique(entry.resources),
  }));
  return [...merged.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)), ...kept];
}

/**
 * A policy document's length as IAM counts it (no white space) once CloudFormation has resolved
 * it, with each value not known at synth at its longest: a partition (aws-iso-b, aws-us-gov: 10),
 * a Region (14), an account (12), the stack id (its name, a UUID and the rest of the ARN), and
 * any other reference (a domain ARN, a bucket name) at 81, the longest domain ARN.
 */
export function estimatedLength(resolved: unknown, stack: Stack): number {
  const longest: Record<string, number> = {
    'AWS::Partition': 10,
    'AWS::Region': 14,
    'AWS::AccountId': 12,
    'AWS::URLSuffix': 13,
    'AWS::StackName': Token.isUnresolved(stack.stackName) ? 128 : stack.stackName.length,
  };
  longest['AWS::StackId'] = 'arn::cloudformation:::stack//'.length + 10 + 14 + 12 + longest['AWS::StackName'] + 36;
  const text = (value: unknown): number => {
    if (typeof value === 'string') return value.length;
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + text(item), 0);
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.Ref === 'string') return longest[record.Ref] ?? 81;
      const join = record['Fn::Join'] as [string, unknown[]] | undefined;
      if (join) return join[1].reduce((sum: number, part) => sum + text(part), 0) + join[0].length * Math.max(0, join[1].length - 1);
      return 81;
    }
    return String(value).length;
  };
  // The JSON text with every reference as an empty string, plus the references' longest lengths.
  let references = 0;
  const replaced = JSON.stringify(resolved, (_key, value) => {
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'))
    ) {
      references += text(value);
      return '';
    }
    return value;
  });
  return replaced.replace(/\s/g, '').length + references;
}
