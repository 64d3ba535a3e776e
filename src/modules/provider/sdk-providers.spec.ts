import { generateKeyPairSync } from 'node:crypto';
import { FakeLlm, httpError, reply } from '../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../test/fakes/llm/collect-stream';
import { egressGuard } from '../../core/net/egress';
import { createLanguageModel, resolveProvider } from './provider.factory';
import { ProviderMisconfiguredError } from './provider.errors';
import { ProviderError } from './provider.types';
import { toMessageError } from './retry';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function serviceAccount(tokenUri: string) {
  return {
    type: 'service_account',
    project_id: 'school-project',
    client_email: 'agent@school-project.iam.gserviceaccount.com',
    private_key: privateKey,
    token_uri: tokenUri,
  };
}

const CLAUDE = 'claude-sonnet-4-5@20250929';
const BEDROCK_CLAUDE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('SDK-backed providers through the factory (real SDKs, fake wire)', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  describe('Claude on Vertex', () => {
    it('gets a Google OAuth token with a signed JWT grant, then streams text and a tool call', async () => {
      const model = createLanguageModel(
        resolveProvider({
          id: 'google-vertex-anthropic',
          options: {
            baseURL: `${llm.url}/v1`,
            location: 'europe-west1',
            credentials: serviceAccount(`${llm.url}/token`),
          },
        }),
        CLAUDE,
      );
      llm.enqueue(reply().text('On Vertex.').tool('read', { filePath: 'x' }).usage({ input: 50, output: 9 }).stop());
      llm.enqueue(reply().text('Again.').stop());
      const { events, error } = await collect(model.stream(baseRequest({ modelId: CLAUDE })));
      expect(error).toBeUndefined();
      expect(textOf(events)).toBe('On Vertex.');
      expect(events.some((e) => e.type === 'tool-call' && e.name === 'read')).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool-calls', usage: { input: 50, output: 9 } });

      const grant = new URLSearchParams(llm.tokenRequests[0].rawBody);
      expect(grant.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
      const claims = JSON.parse(Buffer.from(grant.get('assertion')!.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({
        iss: 'agent@school-project.iam.gserviceaccount.com',
        scope: 'https://www.googleapis.com/auth/cloud-platform',
      });
      const sent = llm.lastRequest!;
      expect(sent.path).toBe(
        `/v1/projects/school-project/locations/europe-west1/publishers/anthropic/models/${CLAUDE}:streamRawPredict`,
      );
      expect(sent.headers.authorization).toBe('Bearer ya29.fake-1');
      expect(sent.body.anthropic_version).toBe('vertex-2023-10-16');
      expect(sent.body.model).toBeUndefined();

      // The token is cached until it expires: a second call asks for no new one.
      await collect(model.stream(baseRequest({ modelId: CLAUDE })));
      expect(llm.tokenRequests).toHaveLength(1);
    });

    it("a school's stored key never sends its grant to the key's own token_uri", async () => {
      const seen: string[] = [];
      const model = createLanguageModel(
        resolveProvider({
          id: 'google-vertex-anthropic',
          options: { baseURL: `${llm.url}/v1` },
          apiKey: JSON.stringify(serviceAccount('http://169.254.169.254/token')),
          credentialMeta: { location: 'us-east5' },
        }),
        CLAUDE,
        {
          fetch: (input, init) => {
            const url = String(input instanceof Request ? input.url : input);
            seen.push(url);
            // Stand in for Google's token endpoint so the rest of the flow runs against the fake.
            return fetch(url === 'https://oauth2.googleapis.com/token' ? `${llm.url}/token` : url, init);
          },
        },
      );
      // resolveProvider only marks keys from a credential when told so.
      llm.enqueue(reply().text('ok').stop());
      const { error } = await collect(model.stream(baseRequest({ modelId: CLAUDE })));
      expect(error).toBeUndefined();
      expect(seen[0]).toBe('https://oauth2.googleapis.com/token');
      expect(seen.some((u) => u.includes('169.254.169.254'))).toBe(false);
      expect(llm.lastRequest!.path).toContain('/locations/us-east5/');
    });

    it('a refused grant is a ProviderAuthError; a key without a private key is refused before any request', async () => {
      llm.tokenReplies.push({
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      });
      const model = createLanguageModel(
        resolveProvider({
          id: 'google-vertex-anthropic',
          options: { baseURL: `${llm.url}/v1`, credentials: serviceAccount(`${llm.url}/token`) },
        }),
        CLAUDE,
      );
      const { error } = await collect(model.stream(baseRequest({ modelId: CLAUDE })));
      expect(toMessageError(error)).toMatchObject({ name: 'ProviderAuthError' });
      expect(llm.requests).toHaveLength(0);

      const bad = resolveProvider({
        id: 'google-vertex-anthropic',
        options: { credentials: { client_email: 'x@y' } },
      });
      expect(() => createLanguageModel(bad, CLAUDE)).toThrow(ProviderMisconfiguredError);
      expect(() => createLanguageModel(resolveProvider({ id: 'google-vertex-anthropic' }), CLAUDE)).toThrow(
        ProviderError,
      );
    });
  });

  describe('Amazon Bedrock', () => {
    it('signs with the platform env key pair (never the SDK default chain) in the env region', async () => {
      const model = createLanguageModel(
        resolveProvider({
          id: 'amazon-bedrock',
          options: { baseURL: llm.url },
          env: { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-central-1' },
        }),
        BEDROCK_CLAUDE,
      );
      llm.enqueue(
        reply().text('Hi from Bedrock').tool('bash', { command: 'ls' }).usage({ input: 20, output: 7 }).stop(),
      );
      const { events, error } = await collect(model.stream(baseRequest({ modelId: BEDROCK_CLAUDE })));
      expect(error).toBeUndefined();
      expect(textOf(events)).toBe('Hi from Bedrock');
      expect(events.at(-1)).toMatchObject({ reason: 'tool-calls', usage: { input: 20, output: 7 } });
      expect(String(llm.lastRequest!.headers.authorization)).toContain('Credential=AKIAENV/');
      expect(String(llm.lastRequest!.headers.authorization)).toContain('/eu-central-1/bedrock/');
    });

    it("a school's stored key pair (secret sealed as key, accessKeyId and region as metadata) wins over env", async () => {
      const model = createLanguageModel(
        resolveProvider({
          id: 'amazon-bedrock',
          options: { baseURL: llm.url },
          apiKey: 'school-secret',
          credentialMeta: { accessKeyId: 'AKIASCHOOL', region: 'us-west-2' },
          env: { AWS_BEARER_TOKEN_BEDROCK: 'platform-token' },
        }),
        BEDROCK_CLAUDE,
      );
      llm.enqueue(reply().text('ok').stop());
      await collect(model.stream(baseRequest({ modelId: BEDROCK_CLAUDE })));
      expect(String(llm.lastRequest!.headers.authorization)).toMatch(/Credential=AKIASCHOOL\/\d+\/us-west-2\//);
    });

    it('through the egress guard (an endpoint chosen below the platform), a loopback endpoint is refused unsent', async () => {
      const model = createLanguageModel(
        resolveProvider({ id: 'amazon-bedrock', options: { baseURL: llm.url, region: 'us-east-1', apiKey: 'own' } }),
        BEDROCK_CLAUDE,
        { fetch: egressGuard().fetch },
      );
      llm.enqueue(reply().text('must not be served').stop());
      const { error } = await collect(model.stream(baseRequest({ modelId: BEDROCK_CLAUDE })));
      expect(error).toBeInstanceOf(ProviderError);
      expect(llm.requests).toHaveLength(0);
    });

    it('a bearer API key from env; no credentials or no region are clear setup errors', async () => {
      const model = createLanguageModel(
        resolveProvider({
          id: 'amazon-bedrock',
          options: { baseURL: llm.url, region: 'us-east-1' },
          env: { AWS_BEARER_TOKEN_BEDROCK: 'ABSK-token' },
        }),
        BEDROCK_CLAUDE,
      );
      llm.enqueue(httpError(429));
      const { error } = await collect(model.stream(baseRequest({ modelId: BEDROCK_CLAUDE })));
      expect(llm.lastRequest!.headers.authorization).toBe('Bearer ABSK-token');
      expect((error as ProviderError).kind).toBe('rate_limit');

      expect(() =>
        createLanguageModel(resolveProvider({ id: 'amazon-bedrock', options: { region: 'us-east-1' } }), 'm'),
      ).toThrow(/AWS_BEARER_TOKEN_BEDROCK/);
      expect(() =>
        createLanguageModel(resolveProvider({ id: 'amazon-bedrock', env: { AWS_BEARER_TOKEN_BEDROCK: 't' } }), 'm'),
      ).toThrow(ProviderMisconfiguredError);
    });
  });
});
