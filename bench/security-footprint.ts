/**
 * Section 1, fine-grained access control: what one more SecurityRole, and one more RoleMembership,
 * add to a stack, all on one domain (a domain holds many roles; the grant names each domain once).
 * Synthesized like footprint.ts (in-process, into a temporary outdir, as `cdk synth` writes it).
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { RoleMembership, SecurityRole } from '../lib';
import { growthPerConstruct, measureTemplate, withTempDir } from './footprint';

const ENV = { account: '111111111111', region: 'us-east-1' };
const STACK_NAME = 'BenchSecurityStack';

export type SecurityConstruct = 'SecurityRole' | 'RoleMembership';

export interface SecurityFootprint {
  construct: SecurityConstruct;
  from: number;
  to: number;
  resourcesPerConstruct: number;
  customResourcesPerConstruct: number;
  bytesPerConstruct: number;
}

function synth(construct: SecurityConstruct, count: number) {
  return withTempDir((dir) => {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true } });
    const stack = new Stack(app, STACK_NAME, { env: ENV });
    const domain = Domain.fromDomainAttributes(stack, 'Domain', {
      domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/bench-logs`,
      domainEndpoint: `https://search-bench-logs-abc123.${ENV.region}.es.amazonaws.com`,
    });
    for (let i = 0; i < count; i++) {
      if (construct === 'SecurityRole') {
        new SecurityRole(stack, `Op${i}`, {
          domain,
          roleName: `readers-${i}`,
          indexPermissions: [{ indexPatterns: [`logs-${i}-*`], allowedActions: ['read'] }],
        });
      } else {
        new RoleMembership(stack, `Op${i}`, { domain, role: `readers-${i}`, backendRoles: [`arn:aws:iam::222222222222:role/reader-${i}`] });
      }
    }
    app.synth({ validateOnSynthesis: false });
    return measureTemplate('library', count, path.join(dir, `${STACK_NAME}.template.json`));
  });
}

/** Resources and template bytes per extra construct on one domain, from `from` to `to` instances. */
export function securityFootprints(from: number, to: number): SecurityFootprint[] {
  return (['SecurityRole', 'RoleMembership'] as const).map((construct) => {
    return { construct, from, to, ...growthPerConstruct(synth(construct, from), synth(construct, to)) };
  });
}
