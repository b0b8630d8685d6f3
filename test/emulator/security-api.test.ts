import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { OpenSearchEmulator, localSessionToken } from '../../emulator';

const MASTER = 'arn:aws:iam::111111111111:role/master';
const MANAGER = 'arn:aws:iam::111111111111:role/manager';
const STRANGER = 'arn:aws:iam::111111111111:role/stranger';
const HOST = 'search-logs-abc123.us-east-1.es.amazonaws.com';

let emulator: OpenSearchEmulator;
const clients: Client[] = [];

beforeAll(async () => {
  emulator = await OpenSearchEmulator.start();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator.stop();
});
beforeEach(() =>
  emulator.reset({
    domains: [
      {
        domainName: 'logs',
        security: {
          masterUserArn: MASTER,
          rolesMapping: { security_manager: { backend_roles: [MANAGER], users: [], hosts: [] } },
          roles: { secret: { hidden: true }, kept: { reserved: true } },
        },
      },
      { domainName: 'logs-archive' },
      { domainName: 'legacy', engineVersion: 'Elasticsearch_7.10' },
      { domainName: 'private', security: { reachable: false } },
      { domainName: 'strict', security: { patchTest: false } },
    ],
  }),
);

/** A real OpenSearch client, signing as `principal` for `service` in `region`. */
function client(host: string, principal = MASTER, options: { service?: 'es' | 'aoss'; region?: string } = {}): Client {
  const made = new Client({
    ...AwsSigv4Signer({
      region: options.region ?? 'us-east-1',
      service: options.service ?? 'es',
      getCredentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: localSessionToken(principal) }),
    }),
    node: `${emulator.domainUrlPrefix}/${host}`,
    maxRetries: 0,
  });
  clients.push(made);
  return made;
}

async function call(c: Client, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await c.transport.request({ method, path, body: body as never }, { ignore: [400, 403, 404, 409, 429, 500, 501] });
  return { status: response.statusCode ?? 0, body: response.body };
}

const API = '/_plugins/_security/api';

describe('the security API of an emulated domain', () => {
  test('roles: 404 with the plugin body, PUT 201 then 200, GET with flags, DELETE 200 then 404', async () => {
    const c = client(HOST);
    expect(await call(c, 'GET', `${API}/roles/readers`)).toEqual({
      status: 404,
      body: { status: 'NOT_FOUND', message: "role 'readers' not found." },
    });
    expect(await call(c, 'PUT', `${API}/roles/readers`, { cluster_permissions: ['cluster_monitor'] })).toEqual({
      status: 201,
      body: { status: 'CREATED', message: "'readers' created." },
    });
    expect((await call(c, 'PUT', `${API}/roles/readers`, { cluster_permissions: [] })).status).toBe(200);
    expect(await call(c, 'GET', `${API}/roles/readers`)).toMatchObject({
      status: 200,
      body: { readers: { cluster_permissions: [], reserved: false, hidden: false, static: false } },
    });
    expect(await call(c, 'DELETE', `${API}/roles/readers`)).toEqual({ status: 200, body: { status: 'OK', message: "'readers' deleted." } });
    expect((await call(c, 'DELETE', `${API}/roles/readers`)).status).toBe(404);
  });

  test('reserved, static and hidden: refused to a security_manager, as the plugin does; the master user passes', async () => {
    const manager = client(HOST, MANAGER);
    expect(await call(manager, 'PUT', `${API}/roles/kept`, {})).toEqual({
      status: 403,
      body: { status: 'FORBIDDEN', message: "Resource 'kept' is reserved." },
    });
    expect(await call(manager, 'DELETE', `${API}/roles/readall`)).toEqual({
      status: 403,
      body: { status: 'FORBIDDEN', message: "Resource 'readall' is static." },
    });
    expect(await call(manager, 'GET', `${API}/roles/secret`)).toEqual({
      status: 404,
      body: { status: 'NOT_FOUND', message: "Resource 'secret' is not available." },
    });
    expect(await call(client(HOST), 'GET', `${API}/roles/secret`)).toMatchObject({ status: 200, body: { secret: { hidden: true } } });
    expect((await call(manager, 'PUT', `${API}/roles/readers`, { reserved: true })).status).toBe(400);
  });

  test("a principal neither master user nor mapped to security_manager gets the plugin's 403", async () => {
    expect(await call(client(HOST, STRANGER), 'GET', `${API}/rolesmapping/readall`)).toEqual({
      status: 403,
      body: {
        status: 'FORBIDDEN',
        message: `No permission to access REST API: User ${STRANGER} with Security roles [] does not have any access to endpoint ROLESMAPPING and method GET`,
      },
    });
  });

  test("the credential scope must name service es and the domain's region", async () => {
    expect((await call(client(HOST, MASTER, { service: 'aoss' }), 'GET', `${API}/roles/readall`)).status).toBe(403);
    expect((await call(client(HOST, MASTER, { region: 'eu-west-1' }), 'GET', `${API}/roles/readall`)).status).toBe(403);
  });

  test('role mappings: PUT needs the role; PATCH applies add/remove guarded by test, all or nothing', async () => {
    const c = client(HOST);
    expect(await call(c, 'PUT', `${API}/rolesmapping/nobody`, { users: ['a'] })).toEqual({
      status: 404,
      body: { status: 'NOT_FOUND', message: "role 'nobody' not found." },
    });
    expect((await call(c, 'PATCH', `${API}/rolesmapping/readall`, [{ op: 'add', path: '/users/-', value: 'a' }])).status).toBe(404);
    expect((await call(c, 'PUT', `${API}/rolesmapping/readall`, { users: ['a'] })).status).toBe(201);
    expect(
      await call(c, 'PATCH', `${API}/rolesmapping/readall`, [
        { op: 'test', path: '/users', value: ['a'] },
        { op: 'add', path: '/users/-', value: 'b' },
      ]),
    ).toEqual({ status: 200, body: { status: 'OK', message: 'Resource updated.' } });
    expect(
      await call(c, 'PATCH', `${API}/rolesmapping/readall`, [
        { op: 'test', path: '/users', value: ['a'] },
        { op: 'remove', path: '/users/0' },
      ]),
    ).toEqual({ status: 400, body: { status: 'BAD_REQUEST', message: '[TEST Operation] value mismatch' } });
    expect(emulator.security('logs')!.rolesMapping.readall.users).toEqual(['a', 'b']);
    expect((await call(c, 'PATCH', `${API}/rolesmapping/readall`, { op: 'add' })).body).toEqual({
      status: 'BAD_REQUEST',
      message: 'Wrong request body',
    });
  });

  test('a plugin without JSON Patch test refuses it by name', async () => {
    const c = client('search-strict-x.us-east-1.es.amazonaws.com');
    await call(c, 'PUT', `${API}/rolesmapping/readall`, { users: ['a'] });
    expect(await call(c, 'PATCH', `${API}/rolesmapping/readall`, [{ op: 'test', path: '/users', value: ['a'] }])).toEqual({
      status: 400,
      body: { status: 'BAD_REQUEST', message: 'Unsupported patch operation: test. Supported are: add,replace,remove' },
    });
  });

  test('an Elasticsearch 7.x domain has no _plugins root, only _opendistro', async () => {
    const c = client('search-legacy-x.us-east-1.es.amazonaws.com');
    expect(await call(c, 'GET', `${API}/roles/readall`)).toEqual({
      status: 400,
      body: { error: 'no handler found for uri [/_plugins/_security/api/roles/readall] and method [GET]' },
    });
    expect((await call(c, 'GET', '/_opendistro/_security/api/roles/readall')).status).toBe(200);
  });

  test('a host names its domain by the longest matching name; an unreachable one cuts the connection', async () => {
    const c = client('search-logs-archive-x.us-east-1.es.amazonaws.com');
    expect((await call(c, 'PUT', `${API}/roles/archived`, {})).status).toBe(201);
    expect(emulator.security('logs-archive')!.roles.archived).toBeDefined();
    expect(emulator.security('logs')!.roles.archived).toBeUndefined();
    await expect(call(client('vpc-private-x.us-east-1.es.amazonaws.com'), 'GET', `${API}/roles/readall`)).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
  });

  test("faults: throttling, the plugin's version conflict, a dropped connection; logged by operation", async () => {
    const c = client(HOST);
    emulator.injectFault({ operation: 'PutSecurityRole', kind: 'throttle', times: 1 });
    emulator.injectFault({ operation: 'PatchRoleMapping', kind: 'conflict', times: 1 });
    emulator.injectFault({ operation: 'GetRoleMapping', kind: 'drop', times: 1 });
    expect((await call(c, 'PUT', `${API}/roles/r`, {})).status).toBe(429);
    expect((await call(c, 'PATCH', `${API}/rolesmapping/all_access`, [{ op: 'add', path: '/users/-', value: 'x' }])).status).toBe(409);
    await expect(call(c, 'GET', `${API}/rolesmapping/all_access`)).rejects.toThrow();
    expect(emulator.requests.map((r) => `${r.operation} ${r.fault ?? r.status}`)).toEqual([
      'PutSecurityRole throttle',
      'PatchRoleMapping conflict',
      'GetRoleMapping drop',
    ]);
    expect(emulator.mutatingRequests()).toEqual([]);
  });
});
