import { Annotations, Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';

/**
 * Synth-time checks of the domain a construct names, for what the handler cannot see: it gets only
 * the domain's name, and looks for it in the account and region of the stack.
 */

/** The id of the warning about a name taken from an endpoint (to acknowledge it, if the name is meant). */
export const ENDPOINT_NAME_WARNING = 'cdk-opensearch-lifecycle:domainNameFromEndpoint';

/** The host name prefixes of OpenSearch Service endpoints: public and VPC domains. */
const ENDPOINT_PREFIX = /^(search|vpc)-/;

/**
 * Fails when the domain's ARN is known and names another account or region than the stack's
 * (when those are known): the handler would look for the domain's name in the wrong place.
 */
export function checkDomainPlacement(scope: Construct, construct: string, domain: IDomain): void {
  const arn = domain.domainArn;
  if (Token.isUnresolved(arn)) {
    return;
  }
  const stack = Stack.of(scope);
  const { account, region } = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
  const differs = (ours: string, theirs: string | undefined) =>
    !Token.isUnresolved(ours) && theirs !== undefined && !Token.isUnresolved(theirs) && theirs !== '' && theirs !== ours;
  if (differs(stack.account, account) || differs(stack.region, region)) {
    throw new Error(
      `domain ${domain.domainName} is in account ${account}, region ${region} (ARN ${arn}), but stack ${stack.stackName} deploys to ` +
        `account ${stack.account}, region ${stack.region}. ${construct} acts in its stack's account and region: ` +
        `deploy it in a stack with env: { account: '${account}', region: '${region}' }.`,
    );
  }
}

/**
 * Warns when the domain's name carries an endpoint's `search-` or `vpc-` prefix and was probably
 * cut from the endpoint (`Domain.fromDomainEndpoint` keeps the prefix: the deployment would then
 * fail with "domain not found"). A domain imported by its ARN whose real name starts so is not
 * flagged: its endpoint then carries the prefix twice.
 */
export function warnOnEndpointName(scope: Construct, domain: IDomain): void {
  const name = domain.domainName;
  if (Token.isUnresolved(name) || !ENDPOINT_PREFIX.test(name)) {
    return;
  }
  const endpoint = domain.domainEndpoint;
  const host = Token.isUnresolved(endpoint) ? undefined : hostOf(endpoint);
  if (host !== undefined && !host.split('.')[0].startsWith(`${name}-`)) {
    return;
  }
  const stack = Stack.of(scope);
  const known = (value: string, placeholder: string) => (Token.isUnresolved(value) ? placeholder : value);
  const realName = name.replace(ENDPOINT_PREFIX, '');
  const arn = `arn:aws:es:${known(stack.region, '<region>')}:${known(stack.account, '<account>')}:domain/${realName}`;
  Annotations.of(scope).addWarningV2(
    ENDPOINT_NAME_WARNING,
    `domain name "${name}" starts with "${name.match(ENDPOINT_PREFIX)![0]}", as an endpoint does: the domain was probably ` +
      'imported with Domain.fromDomainEndpoint, which takes the name from the endpoint, prefix included, and the deployment ' +
      `would fail with "domain not found". Import it by its ARN instead: Domain.fromDomainAttributes(this, 'Domain', ` +
      `{ domainArn: '${arn}', domainEndpoint: '${host === undefined ? '<endpoint>' : `https://${host}`}' }). ` +
      `If the domain is really named "${name}", acknowledge this warning (${ENDPOINT_NAME_WARNING}).`,
  );
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`).hostname;
  } catch {
    return endpoint;
  }
}
