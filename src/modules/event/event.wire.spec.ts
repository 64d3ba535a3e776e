import { decodeEnvelope, encodeEnvelope, eventJsonOf } from './event.wire';
import type { EventEnvelope } from './event.types';

const envelope: Omit<EventEnvelope, 'seq'> = {
  tenantId: 'ten_1',
  sessionId: 'ses_1',
  ownerId: 'usr_1',
  projectId: 'prj_1',
  // A routing value that looks like the event key must not be taken for it.
  directory: '/w/a,"event":{"x"}',
  event: {
    id: 'evt_1',
    type: 'message.part.delta',
    properties: { sessionID: 'ses_1', partID: 'prt_1', field: 'text', delta: 'héllo "world"\n,"event":' },
  },
};

describe('event wire format: an event serialised once', () => {
  it('is the whole envelope for older readers, and decodes to the same envelope', () => {
    const fields = encodeEnvelope(envelope);
    expect(fields[0]).toBe('e');
    expect(JSON.parse(fields[1])).toEqual(envelope);
    const back = decodeEnvelope('1-2', fields);
    expect(back).toEqual({ ...envelope, seq: '1-2' });
    expect({ ...back.event }).toEqual(envelope.event);
    expect(JSON.parse(JSON.stringify(back))).toEqual({ ...envelope, seq: '1-2' });
  });

  it('hands the SSE streams the published bytes of the event without serialising it again', () => {
    const back = decodeEnvelope('1-2', encodeEnvelope(envelope));
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      expect(eventJsonOf(back)).toBe(JSON.stringify(envelope.event));
      stringify.mockClear();
      eventJsonOf(back);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
  });

  it('reads the routing and the type without parsing the properties, and parses them when read', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const back = decodeEnvelope('1-2', encodeEnvelope(envelope));
      expect(back.tenantId).toBe('ten_1');
      expect(back.directory).toBe(envelope.directory);
      expect(back.event.type).toBe('message.part.delta');
      expect(parse.mock.calls.every(([json]) => !String(json).includes('héllo'))).toBe(true);
      expect(back.event.properties.delta).toBe(envelope.event.properties.delta);
    } finally {
      parse.mockRestore();
    }
  });

  it('keeps a type with a space in it', () => {
    const spaced = { ...envelope, event: { ...envelope.event, type: 'plugin.said hello' } };
    expect(decodeEnvelope('1-2', encodeEnvelope(spaced)).event.type).toBe('plugin.said hello');
  });

  it('still reads entries written whole by an older process', () => {
    const old = ['e', JSON.stringify(envelope)];
    expect(decodeEnvelope('3-4', old)).toEqual({ ...envelope, seq: '3-4' });
  });
});
