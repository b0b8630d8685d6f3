import { CopyObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { log } from './log';
import { SDK_CLIENT_CONFIG, call } from './opensearch';

/**
 * The S3 calls of the Package handler: copying a package file the service cannot read where it is
 * (a CDK file asset, in the staging bucket that the default bootstrap encrypts with SSE-KMS) into
 * the provider's SSE-S3 bucket, and removing the copy once the service has imported it.
 */

let client: S3Client | undefined;

function s3(): S3Client {
  // An endpoint of its own (AWS_ENDPOINT_URL_S3, the tests' emulator) has no bucket subdomains.
  client ??= new S3Client({ ...SDK_CLIENT_CONFIG, forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
  return client;
}

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** Copies the object, encrypted with SSE-S3 (which the service can read) whatever the source's encryption. */
export async function copyObject(from: ObjectRef, to: ObjectRef): Promise<void> {
  const copySource = `${from.bucket}/${from.key.split('/').map(encodeURIComponent).join('/')}`;
  await call('CopyObject', `s3://${from.bucket}/${from.key} to s3://${to.bucket}/${to.key}`, () =>
    s3().send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: copySource, ServerSideEncryption: 'AES256' })),
  );
  log(`CopyObject s3://${from.bucket}/${from.key} to s3://${to.bucket}/${to.key}: done`);
}

export async function deleteObject(object: ObjectRef): Promise<void> {
  await call('DeleteObject', `s3://${object.bucket}/${object.key}`, () =>
    s3().send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key })),
  );
  log(`DeleteObject s3://${object.bucket}/${object.key}: done`);
}
