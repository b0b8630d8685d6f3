import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Domain, EngineVersion, IDomain } from 'aws-cdk-lib/aws-opensearchservice';

export const ENV = { account: '111111111111', region: 'us-east-1' };

export function newStack(id = 'TestStack', app = new App()): Stack {
  return new Stack(app, id, { env: ENV });
}

/** A domain made elsewhere, as users reference one. */
export function importedDomain(stack: Stack, name: string, id = `Imported-${name}`): IDomain {
  return Domain.fromDomainAttributes(stack, id, {
    domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${ENV.region}.es.amazonaws.com`,
  });
}

export function ownDomain(stack: Stack, id = 'Domain'): Domain {
  return new Domain(stack, id, { version: EngineVersion.OPENSEARCH_2_19 });
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/**
 * The policies of the shared handler role, by logical id: its default policy (logs), the inline
 * policy of each kind, and the managed policies of the domains (see lib/private/grants.ts).
 */
export function handlerPolicies(
  template: Template,
): Array<[string, { Type: string; Properties: { PolicyDocument: { Statement: Statement[] } } }]> {
  const [roleId] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('LifecycleProviderHandlerRole'));
  if (!roleId) {
    throw new Error('no handler role in the template');
  }
  const attached = (resource: { Properties?: { Roles?: unknown } }) =>
    JSON.stringify(resource.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]);
  return Object.entries({ ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') })
    .filter(([, resource]) => attached(resource))
    .sort(([a], [b]) => (a < b ? -1 : 1)) as never;
}

/**
 * What a handler policy is for, without the hash its logical id ends in: `LifecycleGrants<Kind>`
 * (a kind's inline policy, by its IAM name), `DomainGrants` (a managed policy of domain grants),
 * or the logical id of any other policy (the role's default policy).
 */
export function policyLabel(template: Template, policyId: string): string {
  const resource = (template.toJSON().Resources as Record<string, { Type: string; Properties?: { PolicyName?: unknown } }>)[policyId];
  const name =
    resource?.Type === 'AWS::IAM::Policy' && typeof resource.Properties?.PolicyName === 'string'
      ? resource.Properties.PolicyName
      : policyId;
  return name.replace(/[0-9A-F]{8}$/, '');
}

/** The statements of all the handler role's policies, with the logs statement left out. */
export function handlerStatements(template: Template): Statement[] {
  const statements = handlerPolicies(template).flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
  return statements.filter((statement) => ![statement.Action].flat().some((action) => action.startsWith('logs:')));
}

/**
 * Every grant of the handler role but its logs, as "action on resource" (a resource that is not a
 * string as its JSON), sorted: what the role may do, whatever the statements and policies.
 */
export function handlerGrants(template: Template): string[] {
  return handlerStatements(template)
    .flatMap((statement) =>
      [statement.Action]
        .flat()
        .flatMap((action) =>
          [statement.Resource]
            .flat()
            .map((resource) => `${action} on ${typeof resource === 'string' ? resource : JSON.stringify(resource)}`),
        ),
    )
    .sort();
}
