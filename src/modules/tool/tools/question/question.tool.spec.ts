import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { ToolError } from '../../tool.types';
import { questionTool } from './question.tool';

const Q = {
  question: 'Which database?',
  header: 'Database',
  options: [
    { label: 'Postgres', description: 'relational' },
    { label: 'Redis', description: 'key-value' },
  ],
};

describe('question tool', () => {
  let sb: Sandbox;
  beforeAll(async () => (sb = await makeSandbox()));
  afterAll(() => sb.cleanup());

  it('passes the questions and the call id to askQuestions and renders the answers for the model', async () => {
    const calls: unknown[][] = [];
    const ctx = makeToolContext(sb.ws);
    ctx.services = {
      askQuestions: (async (questions: unknown[], callID?: string) => (
        calls.push([questions, callID]),
        [['Postgres']]
      )) as never,
    };
    const result = await questionTool.execute({ questions: [Q] }, ctx);
    expect(calls).toEqual([[[Q], 'call_test']]);
    expect(result.output).toContain('"Which database?" = "Postgres"');
    expect(result.metadata).toMatchObject({ answers: [['Postgres']] });
    expect(result.title).toBe('Asked 1 question');
  });

  it('marks unanswered questions', async () => {
    const ctx = makeToolContext(sb.ws);
    ctx.services = { askQuestions: async () => [] };
    const result = await questionTool.execute({ questions: [Q] }, ctx);
    expect(result.output).toContain('= Unanswered');
  });

  it('refuses headers over 30 characters and empty question lists', async () => {
    const ctx = makeToolContext(sb.ws);
    ctx.services = { askQuestions: async () => [] };
    await expect(questionTool.execute({ questions: [{ ...Q, header: 'x'.repeat(31) }] }, ctx)).rejects.toThrow(
      /questions\.0\.header/,
    );
    await expect(questionTool.execute({ questions: [] }, ctx)).rejects.toThrow(ToolError);
  });

  it('is a clear tool error where no question service exists', async () => {
    await expect(questionTool.execute({ questions: [Q] }, makeToolContext(sb.ws))).rejects.toThrow(
      'Questions cannot be asked in this session.',
    );
  });
});
