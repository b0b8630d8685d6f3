'use strict';
/**
 * Fallback for hosts where the runner may not bind port 443 (EACCES): loaded with
 * `node --require` into the Provider framework's child processes only.
 *
 * The framework PUTs its response with `https.request({ hostname, path, method: 'PUT' })`, with
 * no port, so it always goes to 443. This wraps https.request so that a request for exactly the
 * ResponseURL host, without an explicit port, goes to the port the endpoint really listens on.
 * Everything else is left alone. The framework code itself is not changed: outbound.js reads
 * `https.request` from the module at call time.
 *
 * LOCAL_DEPLOY_RESPONSE_ENDPOINT="<host>:<port>". Plain CommonJS: it runs in a bare `node`.
 */
const target = process.env.LOCAL_DEPLOY_RESPONSE_ENDPOINT;
if (target) {
  const separator = target.lastIndexOf(':');
  const host = target.slice(0, separator);
  const port = Number(target.slice(separator + 1));
  const https = require('https');
  const original = https.request;
  https.request = function request(options, ...rest) {
    const plain = options && typeof options === 'object' && !(options instanceof URL);
    if (plain && (options.hostname === host || options.host === host) && options.port === undefined) {
      options = { ...options, port };
    }
    return original.call(this, options, ...rest);
  };
}
