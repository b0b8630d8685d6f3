import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';

/**
 * Synth-time checks of the two VPC endpoint constructs: the subnets (in the VPC, one per
 * Availability Zone: the service refuses two subnets of one zone, as aws-samples/aws-genai-llm-chatbot#257
 * found) and the developer guide's quotas ("Considerations for OpenSearch Service": at most 50
 * endpoints per account, 10 per domain, 10 authorized principals per domain), counted over the app.
 */

const counts = new WeakMap<IConstruct, Map<string, string[]>>();

/**
 * Counts one more construct under `key` in the app; fails naming the path of every one of them
 * once there are more than `limit`.
 */
export function countTowardsQuota(scope: Construct, key: string, limit: number, what: string): void {
  const root = scope.node.root;
  let byKey = counts.get(root);
  if (!byKey) {
    byKey = new Map();
    counts.set(root, byKey);
  }
  const paths = [...(byKey.get(key) ?? []), scope.node.path];
  byKey.set(key, paths);
  if (paths.length > limit) {
    throw new Error(`${scope.node.path}: ${what} (the service's quota is ${limit}): ${paths.join(', ')}`);
  }
}

/** The subnets of the selection, checked: in the VPC (when both are known), at least one, one per Availability Zone. */
export function endpointSubnets(scope: Construct, vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined): ec2.ISubnet[] {
  const selected = vpc.selectSubnets(selection ?? { onePerAz: true });
  const subnets = selected.subnets;
  if (subnets.length === 0 && !Token.isUnresolved(selected.subnetIds)) {
    throw new Error(`${scope.node.path}: vpcSubnets selects no subnet of VPC ${vpc.vpcId}`);
  }
  const known = new Set(
    [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets].map((s) => s.subnetId).filter((id) => !Token.isUnresolved(id)),
  );
  if (known.size > 0) {
    const foreign = subnets.map((s) => s.subnetId).filter((id) => !Token.isUnresolved(id) && !known.has(id));
    if (foreign.length > 0) {
      throw new Error(
        `${scope.node.path}: subnets ${foreign.join(', ')} are not subnets of VPC ${vpc.vpcId}; an endpoint's subnets must all be in its VPC`,
      );
    }
  }
  const zones = new Map<string, string>();
  for (const subnet of subnets) {
    const zone = safeZone(subnet);
    if (zone === undefined) continue;
    const other = zones.get(zone);
    if (other !== undefined) {
      throw new Error(
        `${scope.node.path}: subnets ${other} and ${subnet.subnetId} are both in ${zone}; the service takes one subnet per Availability Zone ` +
          '(select with onePerAz: true)',
      );
    }
    zones.set(zone, subnet.subnetId);
  }
  return subnets;
}

/** The subnet's zone when known; an imported subnet without one throws on access. */
function safeZone(subnet: ec2.ISubnet): string | undefined {
  try {
    const zone = subnet.availabilityZone;
    return Token.isUnresolved(zone) || zone === '' ? undefined : zone;
  } catch {
    return undefined;
  }
}

/** The account of the stack, when known. */
export function stackAccount(scope: Construct): string | undefined {
  const account = Stack.of(scope).account;
  return Token.isUnresolved(account) ? undefined : account;
}
