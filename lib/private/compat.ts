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

/** The part of `Validations` (aws-cdk-lib 2.252.0 and later) used here. */
interface ValidationsApi {
  readonly prototype?: { readonly acknowledge?: unknown };
  of(scope: IConstruct): { acknowledge?: (acknowledgement: { id: string; reason: string }) => void };
}

/** `Validations` if the installed aws-cdk-lib can acknowledge findings with it (2.252.0 and later). */
function validationsWithAcknowledge(): ValidationsApi | undefined {
  const validations = (cdk as unknown as { Validations?: ValidationsApi }).Validations;
  return typeof validations?.of !== 'function' || typeof validations.prototype?.acknowledge !== 'function' ? undefined : validations;
}

/**
 * Acknowledges findings under scope with `Validations.of(scope).acknowledge` (cdk-nag 3 reads
 * them), finding by finding, so that any other finding still shows.
 */
export function acknowledgeWithValidations(scope: Construct, findings: NagFinding[], validations: ValidationsApi): void {
  for (const finding of findings) {
    const suffix = finding.appliesTo === undefined ? '' : `[${finding.appliesTo}]`;
    validations.of(scope).acknowledge!({ id: `AwsSolutions::${finding.rule}${suffix}`, reason: finding.reason });
  }
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

/** Acknowledges cdk-nag findings in the way the installed aws-cdk-lib supports. */
export function acknowledgeNagFindings(scope: Construct, findings: NagFinding[]): void {
  const validations = validationsWithAcknowledge();
  if (validations) {
    acknowledgeWithValidations(scope, findings, validations);
  } else {
    acknowledgeWithNagMetadata(scope, findings);
  }
}
