import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import { checkAccountId, checkRegion } from './contracts/connection-ends';
import { checkDomainName } from './contracts/properties';
import { atSynth } from './construct-props';

/** Where a domain lives, as template values: literals, or tokens left to the handler. */
export interface DomainAddressValues {
  readonly ownerId: string;
  readonly region: string;
  readonly domainName: string;
}

/**
 * The account, region and name of a domain. A literal ARN names all three; a domain whose ARN is
 * a token (one made in a stack of this app) lives in its stack's account and region.
 */
export function domainAddress(domain: IDomain, label: string): DomainAddressValues {
  let address: DomainAddressValues;
  if (Token.isUnresolved(domain.domainArn)) {
    const stack = Stack.of(domain);
    address = { ownerId: stack.account, region: stack.region, domainName: domain.domainName };
  } else {
    const arn = Arn.split(domain.domainArn, ArnFormat.SLASH_RESOURCE_NAME);
    if (arn.service !== 'es' || arn.resource !== 'domain') {
      throw new Error(
        `${label} must be an OpenSearch domain (arn:<partition>:es:<region>:<account>:domain/<name>); got ${domain.domainArn}`,
      );
    }
    address = { ownerId: arn.account ?? '', region: arn.region ?? '', domainName: arn.resourceName ?? '' };
  }
  if (!Token.isUnresolved(address.ownerId)) atSynth(() => checkAccountId(address.ownerId, `${label} account`));
  if (!Token.isUnresolved(address.region)) atSynth(() => checkRegion(address.region, `${label} region`));
  if (!Token.isUnresolved(address.domainName)) atSynth(() => checkDomainName(address.domainName, `${label}.domainName`));
  return address;
}

/**
 * The address of a domain that must be in the account and region of the stack deploying `scope`
 * (the service acts on a connection only there), checked when both are known.
 */
export function localDomainAddress(scope: Construct, domain: IDomain, label: string): DomainAddressValues {
  const address = domainAddress(domain, label);
  const stack = Stack.of(scope);
  const differs = (mine: string, theirs: string) => !Token.isUnresolved(mine) && !Token.isUnresolved(theirs) && mine !== theirs;
  if (differs(stack.account, address.ownerId) || differs(stack.region, address.region)) {
    throw new Error(
      `${label} must be in the account and region of the stack (${stack.account} in ${stack.region}); ` +
        `got account ${address.ownerId} in ${address.region}. Deploy this construct in a stack of the domain's account and region.`,
    );
  }
  return address;
}
