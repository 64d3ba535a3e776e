import type { ModelMessage } from '../provider.types';
import { toAnthropicMessages } from './anthropic-messages';
import { toBedrockMessages } from './bedrock-converse';

// Both two-role wire formats group the same history the same way (one helper, groupByRole): tool results and the
// next user text share a user turn, empty text and empty messages are dropped, roles alternate.

const history: ModelMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'list the files' }] },
  { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'ls', input: { path: '.' } }] },
  { role: 'tool', content: [{ type: 'tool-result', id: 'call_1', name: 'ls', output: 'a.txt' }] },
  { role: 'user', content: [{ type: 'text', text: '' }] },
  { role: 'user', content: [{ type: 'text', text: 'now read it' }] },
  { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }] },
];

it('Anthropic Messages: tool results and the next user text share one user turn; empty text is dropped', () => {
  const turns = toAnthropicMessages(history);
  expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  expect(turns[2].content).toEqual([
    expect.objectContaining({ type: 'tool_result', tool_use_id: 'call_1' }),
    { type: 'text', text: 'now read it' },
  ]);
  expect(turns[0].content).toEqual([{ type: 'text', text: 'list the files' }]);
});

it('Bedrock Converse: the same grouping with its own blocks', () => {
  const turns = toBedrockMessages(history);
  expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  expect(turns[2].content).toEqual([
    expect.objectContaining({ toolResult: expect.objectContaining({ toolUseId: 'call_1' }) }),
    { text: 'now read it' },
  ]);
  expect(turns[0].content).toEqual([{ text: 'list the files' }]);
});

it('drops a message whose blocks are all empty instead of sending an empty turn', () => {
  const onlyEmpty: ModelMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: [] },
    { role: 'user', content: [{ type: 'text', text: 'again' }] },
  ];
  expect(toAnthropicMessages(onlyEmpty)).toEqual([
    {
      role: 'user',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'text', text: 'again' },
      ],
    },
  ]);
  expect(toBedrockMessages(onlyEmpty)).toEqual([{ role: 'user', content: [{ text: 'hi' }, { text: 'again' }] }]);
});
