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

/** The statements of the shared handler role's policy, with the logs statement left out. */
export function handlerStatements(template: Template): Array<{ Action: string | string[]; Resource: unknown; Effect: string }> {
  const policies = template.findResources('AWS::IAM::Policy');
  const [policy] = Object.entries(policies).filter(([logicalId]) => logicalId.includes('LifecycleProviderHandlerRole'));
  if (!policy) {
    throw new Error('no handler role policy in the template');
  }
  const statements = policy[1].Properties.PolicyDocument.Statement as Array<{
    Action: string | string[];
    Resource: unknown;
    Effect: string;
  }>;
  return statements.filter((statement) => ![statement.Action].flat().some((action) => action.startsWith('logs:')));
}
