import { Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { atSynth } from './construct-props';
import { SecurityKey, checkDomainArn, checkDomainEndpoint } from './contracts/security';

/** The domain's ARN and endpoint, as SecurityRole and RoleMembership pass them, checked when known. */
export function domainTargetProperties(domain: IDomain): Record<string, string> {
  const arn = domain.domainArn;
  const endpoint = domain.domainEndpoint;
  if (!Token.isUnresolved(arn)) atSynth(() => checkDomainArn(arn, 'domain.domainArn'));
  if (!Token.isUnresolved(endpoint)) atSynth(() => checkDomainEndpoint(endpoint, 'domain.domainEndpoint'));
  return { [SecurityKey.DOMAIN_ARN]: arn, [SecurityKey.DOMAIN_ENDPOINT]: endpoint };
}
