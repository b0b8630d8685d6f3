/**
 * CloudFormation's reading of a custom resource response. Where CloudFormation's own wording is
 * known it is used verbatim ("Response object is too long.", "Invalid PhysicalResourceId",
 * "CustomResource attribute error: ..."); the other messages are the runner's, saying what was
 * wrong in CloudFormation's terms.
 */
import type { CfnRequest } from './engine-types';

export const MAX_RESPONSE_BYTES = 4096;
export const MAX_PHYSICAL_ID_BYTES = 1024;

export interface CfnResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, unknown>;
}

export type Verdict =
  | { readonly ok: true; readonly response: CfnResponse }
  | {
      readonly ok: false;
      /** The reason CloudFormation records for the resource. */
      readonly reason: string;
      /** The physical id CloudFormation can take from the response, if any (for a rollback Delete). */
      readonly physicalResourceId?: string;
    };

function validPhysicalId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && Buffer.byteLength(value, 'utf8') <= MAX_PHYSICAL_ID_BYTES;
}

/**
 * Checks one response body against the request it answers. `attributesRead` are the Data keys
 * the template reads with Fn::GetAtt: a SUCCESS for Create or Update must carry each of them.
 */
export function checkResponse(raw: string, request: CfnRequest, attributesRead: ReadonlySet<string> = new Set()): Verdict {
  if (Buffer.byteLength(raw, 'utf8') > MAX_RESPONSE_BYTES) {
    return { ok: false, reason: 'Response object is too long.' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'Response object is not valid JSON.' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'Response object is not a JSON object.' };
  }
  const response = parsed as Partial<CfnResponse>;
  const physicalResourceId = validPhysicalId(response.PhysicalResourceId) ? response.PhysicalResourceId : undefined;
  const fail = (reason: string): Verdict => ({ ok: false, reason, physicalResourceId });

  if (response.Status !== 'SUCCESS' && response.Status !== 'FAILED') {
    return fail(`Invalid response Status ${JSON.stringify(response.Status)}: must be SUCCESS or FAILED.`);
  }
  for (const key of ['RequestId', 'StackId', 'LogicalResourceId'] as const) {
    if (response[key] !== request[key]) {
      return fail(`Response ${key} ${JSON.stringify(response[key])} does not match the request's ${JSON.stringify(request[key])}.`);
    }
  }
  if (!physicalResourceId) {
    return fail('Invalid PhysicalResourceId');
  }
  if (request.RequestType === 'Delete' && physicalResourceId !== request.PhysicalResourceId) {
    return fail(
      `Invalid PhysicalResourceId: a Delete response must keep ${request.PhysicalResourceId}, not change it to ${physicalResourceId}.`,
    );
  }
  if (response.Data !== undefined && (typeof response.Data !== 'object' || response.Data === null || Array.isArray(response.Data))) {
    return fail('Response Data must be a JSON object of name-value pairs.');
  }
  if (response.Status === 'FAILED') {
    if (typeof response.Reason !== 'string' || response.Reason.trim() === '') {
      return fail('Response Status is FAILED but it has no Reason.');
    }
    return { ok: true, response: response as CfnResponse };
  }
  if (request.RequestType !== 'Delete') {
    for (const attribute of attributesRead) {
      if (!response.Data || !(attribute in response.Data)) {
        return fail(
          `CustomResource attribute error: Vendor response doesn't contain ${attribute} key in object ` +
            `${request.StackId}|${request.LogicalResourceId}|${request.RequestId}`,
        );
      }
    }
  }
  return { ok: true, response: response as CfnResponse };
}
