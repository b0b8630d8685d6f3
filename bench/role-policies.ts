/**
 * Section 1, IAM: how large the handler role's policies grow, for N PackageDissociation
 * resources on D domains (the longest domain names, in a long region name: the worst case), as
 * IAM counts them (no white space): all inline policies of the role together (IAM allows 10,240
 * characters) and each managed policy (6,144; 10 per role by default). Where the grants would pass
 * a limit, synth fails (lib/private/grants.ts): the row says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { PackageDissociation } from '../lib';
import { withTempDir } from './footprint';

const ENV = { account: '111111111111', region: 'ap-southeast-2' };
const STACK_NAME = 'BenchRolePolicies';

export interface RolePolicies {
  constructs: number;
  domains: number;
  /** Set when synth refused the stack (an IAM limit). */
  refused?: string;
  inlinePolicies: number;
  inlineChars: number;
  managedPolicies: number;
  largestManagedChars: number;
}

type Resource = { Type: string; Properties?: { PolicyDocument?: unknown; Roles?: unknown } };

export function rolePolicies(constructs: number, domains: number): RolePolicies {
  return withTempDir((dir) => {
    const app = new App({ outdir: dir });
    const stack = new Stack(app, STACK_NAME, { env: ENV });
    for (let i = 0; i < constructs; i++) {
      const name = `search-products-catalog-${String(i % domains).padStart(4, '0')}`;
      const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
        domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
        domainEndpoint: `https://search-${name}-x.es.amazonaws.com`,
      });
      new PackageDissociation(stack, `Op${i}`, { domain, packageIds: ['F1'] });
    }
    try {
      app.synth({ validateOnSynthesis: false });
    } catch (error) {
      const refused = (error as Error).message;
      return { constructs, domains, refused, inlinePolicies: 0, inlineChars: 0, managedPolicies: 0, largestManagedChars: 0 };
    }
    const template = JSON.parse(fs.readFileSync(path.join(dir, `${STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    const [roleId] = Object.keys(template.Resources).filter(
      (id) => template.Resources[id].Type === 'AWS::IAM::Role' && id.includes('LifecycleProviderHandlerRole'),
    );
    const attached = Object.values(template.Resources).filter(
      (resource) => JSON.stringify(resource.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    const chars = (resource: Resource) => JSON.stringify(resource.Properties?.PolicyDocument).replace(/\s/g, '').length;
    const inline = attached.filter((resource) => resource.Type === 'AWS::IAM::Policy');
    const managed = attached.filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy');
    return {
      constructs,
      domains,
      inlinePolicies: inline.length,
      inlineChars: inline.reduce((sum, resource) => sum + chars(resource), 0),
      managedPolicies: managed.length,
      largestManagedChars: Math.max(0, ...managed.map(chars)),
    };
  });
}
