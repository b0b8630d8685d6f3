/**
 * Section 1, packages: what one more Package, and one more PackageAssociation, add to a stack.
 * Synthesized like footprint.ts (in-process, into a temporary outdir, as `cdk synth` writes it).
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AssociatedPackage, Package, PackageAssociation, PackageSource, PackageType } from '../lib';
import { growthPerConstruct, measureTemplate, withTempDir } from './footprint';

const ENV = { account: '111111111111', region: 'us-east-1' };
const STACK_NAME = 'BenchPackageStack';

export type PackageConstruct = 'Package' | 'PackageAssociation';

export interface PackageFootprint {
  construct: PackageConstruct;
  from: number;
  to: number;
  resourcesPerConstruct: number;
  customResourcesPerConstruct: number;
  bytesPerConstruct: number;
}

function addInstance(stack: Stack, construct: PackageConstruct, i: number): void {
  if (construct === 'Package') {
    const bucket = s3.Bucket.fromBucketName(stack, `Bucket${i}`, 'bench-packages');
    new Package(stack, `Op${i}`, {
      packageName: `dictionary-${i}`,
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromBucket(bucket, `dictionaries/dictionary-${i}.txt`),
    });
    return;
  }
  const name = `bench-domain-${i}`;
  const domain = Domain.fromDomainAttributes(stack, `Domain${i}`, {
    domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${ENV.region}.es.amazonaws.com`,
  });
  new PackageAssociation(stack, `Op${i}`, {
    domain,
    packages: [AssociatedPackage.fromPackageId('F111111111')],
  });
}

function synth(construct: PackageConstruct, count: number) {
  return withTempDir((dir) => {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true } });
    const stack = new Stack(app, STACK_NAME, { env: ENV });
    for (let i = 0; i < count; i++) addInstance(stack, construct, i);
    app.synth({ validateOnSynthesis: false });
    return measureTemplate('library', count, path.join(dir, `${STACK_NAME}.template.json`));
  });
}

/** Resources and template bytes per extra construct, from `from` to `to` instances. */
export function packageFootprints(from: number, to: number): PackageFootprint[] {
  return (['Package', 'PackageAssociation'] as const).map((construct) => {
    return { construct, from, to, ...growthPerConstruct(synth(construct, from), synth(construct, to)) };
  });
}
