/**
 * Plays `cdk deploy`'s asset publishing for the emulator: every file asset of the cloud assembly
 * is put into the emulator's view of S3 under the bucket and key its asset manifest names, so that
 * a package's source is the real file from cdk.out, and a wrong bucket or key shows up as the
 * service's COPY_FAILED.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { OpenSearchEmulator } from '../../emulator';
import type { StackEnvironment } from './assembly';

interface AssetManifest {
  files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { bucketName?: string; objectKey?: string }> }>;
}

/** `cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}` as the stack's environment makes it. */
function substitute(text: string, env: StackEnvironment): string {
  return text
    .replace(/\$\{AWS::AccountId\}/g, env.account)
    .replace(/\$\{AWS::Region\}/g, env.region)
    .replace(/\$\{AWS::Partition\}/g, env.partition);
}

/** Publishes the file assets of every asset manifest of the assembly; returns `s3://bucket/key` of each. */
export function publishFileAssets(cdkOut: string, env: StackEnvironment, emulator: OpenSearchEmulator): string[] {
  const dir = path.resolve(cdkOut);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { file?: string } }>;
  };
  const published: string[] = [];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    const file = artifact.type === 'cdk:asset-manifest' ? artifact.properties?.file : undefined;
    if (!file || !fs.existsSync(path.join(dir, file))) continue;
    const assets = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as AssetManifest;
    for (const asset of Object.values(assets.files ?? {})) {
      if (!asset.source?.path) continue;
      const source = path.join(dir, asset.source.path);
      // Directories are zipped by cdk deploy; their content does not matter here, only that they exist.
      const body = fs.existsSync(source) && fs.statSync(source).isFile() ? fs.readFileSync(source, 'utf8') : '';
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (!destination.bucketName || !destination.objectKey) continue;
        const bucket = substitute(destination.bucketName, env);
        // Encrypted with SSE-KMS, as the default bootstrap's staging bucket encrypts every object:
        // the service cannot import such a file (the Package handler copies it first).
        emulator.putObject(bucket, destination.objectKey, body, 'aws:kms');
        published.push(`s3://${bucket}/${destination.objectKey}`);
      }
    }
  }
  return published;
}
