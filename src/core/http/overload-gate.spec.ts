import { sheddableKind } from './overload-gate';

describe('sheddableKind', () => {
  it('names the requests that start lasting work: prompts and event streams', () => {
    expect(sheddableKind('POST', '/session/ses_1/message')).toBe('prompt');
    expect(sheddableKind('POST', '/session/ses_1/prompt_async')).toBe('prompt');
    expect(sheddableKind('POST', '/session/ses_1/command')).toBe('prompt');
    expect(sheddableKind('POST', '/session/ses_1/shell')).toBe('prompt');
    expect(sheddableKind('GET', '/event')).toBe('stream');
    expect(sheddableKind('GET', '/global/event')).toBe('stream');
    expect(sheddableKind('GET', '/share/shr_1/event')).toBe('stream');
  });

  it('leaves health, metrics, admin, reads, aborts and replies alone', () => {
    for (const [method, path] of [
      ['GET', '/global/health'],
      ['GET', '/ready'],
      ['GET', '/metrics'],
      ['POST', '/admin/tenants'],
      ['GET', '/session/ses_1/message'],
      ['POST', '/session/ses_1/abort'],
      ['POST', '/session/ses_1/permissions/per_1'],
      ['POST', '/session'],
    ])
      expect(sheddableKind(method, path)).toBeUndefined();
  });
});
