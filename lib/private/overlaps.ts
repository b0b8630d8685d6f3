import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct, IConstruct } from 'constructs';

/**
 * Overlaps a user did not mean: two constructs of one stack that act on the same connection, or on
 * the same package of the same domain. Each would act on its own (one ends what the other waits
 * for, or dissociates what the other expects), so the later one gets a warning naming both.
 *
 * Every construct registers what it acts on through `lifecycleResource({ claims })`; the claims
 * of a kind are built with `connectionClaim` and `packageClaims` (or by hand, for a new subject).
 * Values that are tokens are not known at synth and are not claimed.
 */

/** The id of the overlap warning. */
export const OVERLAP_WARNING = 'cdk-opensearch-lifecycle:overlap';

/** One thing a construct acts on. */
export interface Claim {
  /** What is acted on, as a key equal for equal things: `connection:cc-1`, `package:my-domain/F1`. */
  readonly key: string;
  /** The same, for a message: "inbound connection cc-1", "package F1 of domain my-domain". */
  readonly subject: string;
}

/** The claim of a construct that acts on a connection; none when the id is a token. */
export function connectionClaim(connectionId: string): Claim[] {
  return Token.isUnresolved(connectionId) ? [] : [{ key: `connection:${connectionId}`, subject: `connection ${connectionId}` }];
}

/**
 * The claims of a construct that acts on packages of a domain. A domain whose name is a token (a
 * domain of the same stack) is told apart by its construct path.
 */
export function packageClaims(domain: IDomain, packageIds: string[]): Claim[] {
  if (Token.isUnresolved(packageIds)) {
    return [];
  }
  const name = domain.domainName;
  const domainKey = Token.isUnresolved(name) ? `path:${domain.node.path}` : name;
  const domainText = Token.isUnresolved(name) ? domain.node.path : name;
  return packageIds
    .filter((id) => !Token.isUnresolved(id))
    .map((id) => ({ key: `package:${domainKey}/${id}`, subject: `package ${id} of domain ${domainText}` }));
}

const registries = new WeakMap<Stack, Map<string, IConstruct>>();

/** Records what the construct acts on, and warns on it for each claim another construct of its stack made first. */
export function registerClaims(construct: Construct, claims: Claim[]): void {
  const stack = Stack.of(construct);
  let claimed = registries.get(stack);
  if (!claimed) {
    claimed = new Map();
    registries.set(stack, claimed);
  }
  for (const claim of claims) {
    const first = claimed.get(claim.key);
    if (first === undefined) {
      claimed.set(claim.key, construct);
    } else if (first !== construct) {
      Annotations.of(construct).addWarningV2(
        OVERLAP_WARNING,
        `${claim.subject} is also named by ${first.node.path}: ${construct.node.path} and ${first.node.path} would each act on it ` +
          'on their own (one may end or dissociate what the other expects). Name it in one construct only.',
      );
    }
  }
}
