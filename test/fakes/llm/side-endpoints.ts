import type { RecordedRequest } from './fake-llm';

// Endpoints next to the model APIs that SDK-backed providers call first: OAuth token endpoints (Google's
// JWT-bearer grant for Vertex, SAP's client-credentials grant) and SAP AI Core's deployments list.

interface SideState {
  readonly url: string;
  readonly tokenRequests: RecordedRequest[];
  readonly tokenReplies: { status: number; body: unknown }[];
  readonly controlRequests: RecordedRequest[];
}

export function sideEndpoint(request: RecordedRequest, fake: SideState): { status: number; body: unknown } | undefined {
  if (request.method === 'POST' && request.path.endsWith('/token')) {
    fake.tokenRequests.push(request);
    const scripted = fake.tokenReplies.shift();
    if (scripted) return scripted;
    return {
      status: 200,
      body: { access_token: `ya29.fake-${fake.tokenRequests.length}`, expires_in: 3599, token_type: 'Bearer' },
    };
  }
  if (request.method === 'GET' && request.path.endsWith('/v2/lm/deployments')) {
    fake.controlRequests.push(request);
    const running =
      request.query.scenarioId === 'orchestration'
        ? [
            {
              id: 'd-orchestration',
              scenarioId: 'orchestration',
              status: 'RUNNING',
              deploymentUrl: `${fake.url}/v2/inference/deployments/d-orchestration`,
            },
          ]
        : [];
    return { status: 200, body: { count: running.length, resources: running } };
  }
  return undefined;
}
