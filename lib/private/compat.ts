import * as cdk from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/**
 * Shims for aws-cdk-lib APIs newer than the library's floor (the peerDependencies minimum): each
 * uses the newer API when the installed aws-cdk-lib has it, and an older equivalent when not.
 * What the floor itself needs (Runtime.NODEJS_24_X, 2.224.0) is used directly, never shimmed.
 */

/** A cdk-nag finding the library cannot avoid, and why. */
export interface NagFinding {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly rule: string;
  /** The finding within the rule, e.g. `Resource::*`; none for a rule-wide acknowledgement. */
  readonly appliesTo?: string;
  readonly reason: string;
}

/** The part of aws-cdk-lib's `Validations` (2.252.0 and later) used here. */
export interface ValidationsApi {
  readonly ACKNOWLEDGED_RULES_METADATA_KEY?: string;
  readonly prototype?: { readonly acknowledge?: unknown };
  of(scope: IConstruct): { acknowledge?: (acknowledgement: { id: string; reason: string }) => void };
}

/** The installed aws-cdk-lib's `Validations`, if it can acknowledge findings (2.252.0 and later). */
function installedValidations(): ValidationsApi | undefined {
  const validations = (cdk as unknown as { Validations?: ValidationsApi }).Validations;
  return typeof validations?.prototype?.acknowledge === 'function' ? validations : undefined;
}

/** `AwsSolutions-IAM5[Resource::*]`: the id cdk-nag gives a finding. */
function findingId(finding: NagFinding): string {
  return finding.appliesTo === undefined ? finding.rule : `${finding.rule}[${finding.appliesTo}]`;
}

/**
 * Before aws-cdk-lib 2.252.0 there is no `Validations.acknowledge`, and apps use cdk-nag 2, which
 * reads suppressions from the `cdk_nag` metadata of each CloudFormation resource: written on
 * every resource under scope that exists now.
 */
export function acknowledgeWithNagMetadata(scope: Construct, findings: NagFinding[]): void {
  const rules = findings.map((finding) => ({
    id: finding.rule,
    reason: finding.reason,
    ...(finding.appliesTo === undefined ? {} : { applies_to: [finding.appliesTo] }),
  }));
  for (const resource of scope.node.findAll().filter(cdk.CfnResource.isCfnResource)) {
    const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
    resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...rules] });
  }
}

/**
 * Acknowledges cdk-nag findings under scope, finding by finding so that any other finding still
 * shows, in the way the installed aws-cdk-lib supports:
 * - `Validations.of(scope).acknowledge({ id: 'AwsSolutions::<finding>' })`, read by cdk-nag 3
 *   through aws-cdk-lib's validation report;
 * - releases whose `acknowledge` refuses a finding with `::` inside its brackets (2.252.0 until
 *   the id parser learned brackets; 2.263.0 is one) get the acknowledged-rules metadata entry
 *   `acknowledge` would record, under the finding's bare id, which is what cdk-nag 3 compares;
 * - before 2.252.0, cdk-nag 2's suppression metadata (see acknowledgeWithNagMetadata).
 */
export function acknowledgeNagFindings(
  scope: Construct,
  findings: NagFinding[],
  validations: ValidationsApi | undefined = installedValidations(),
): void {
  if (!validations) {
    acknowledgeWithNagMetadata(scope, findings);
    return;
  }
  for (const finding of findings) {
    try {
      validations.of(scope).acknowledge!({ id: `AwsSolutions::${findingId(finding)}`, reason: finding.reason });
    } catch (error) {
      if (!/InvalidValidationId|Invalid validation rule ID/.test(`${(error as Error).name} ${(error as Error).message}`)) throw error;
      scope.node.addMetadata(validations.ACKNOWLEDGED_RULES_METADATA_KEY ?? 'aws:cdk:acknowledged-rules', {
        [findingId(finding)]: finding.reason,
      });
    }
  }
}
