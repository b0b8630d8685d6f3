/**
 * One line per API call and per decision. Lambda puts console output in CloudWatch Logs.
 * Nothing that reaches here may carry the ResponseURL: it is a presigned URL that lets anyone
 * answer for the resource.
 */
export function log(message: string): void {
  console.log(message);
}

/** The event, once, with the ResponseURL removed. */
export function logEvent(label: string, event: object): void {
  const { ResponseURL: _redacted, ...rest } = event as { ResponseURL?: string };
  log(`${label} ${JSON.stringify(rest)}`);
}
