/**
 * SDK clients of the emulator as different callers: the account is read from the access key id
 * (its last 12 digits), the region from the signature scope (see emulator/README.md).
 */
import { OpenSearchClient } from '@aws-sdk/client-opensearch';

/** Makes clients of one endpoint and destroys them all at once. */
export class EmulatorClients {
  private readonly made: OpenSearchClient[] = [];

  constructor(private readonly endpoint: () => string) {}

  /** A client of an account (its key ends with the account id) in a region; one attempt, no retries. */
  of(accessKeyId: string, region: string): OpenSearchClient {
    const client = new OpenSearchClient({
      endpoint: this.endpoint(),
      region,
      credentials: { accessKeyId, secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    this.made.push(client);
    return client;
  }

  destroyAll(): void {
    this.made.splice(0).forEach((client) => client.destroy());
  }
}
