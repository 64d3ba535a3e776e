import { z } from 'zod';
import { QuestionInfoSchema } from './question.types';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { QUESTION_DESCRIPTION } from './question.prompt';

export const QuestionParametersSchema = z.object({
  questions: z.array(QuestionInfoSchema).min(1).max(10).describe('The questions to ask, in order'),
});

type AskWithCall = (questions: unknown[], callID?: string) => Promise<string[][]>;

function render(questions: z.infer<typeof QuestionParametersSchema>['questions'], answers: string[][]): string {
  const lines = questions.map((q, i) => {
    const picked = answers[i] ?? [];
    return `"${q.question}" = ${picked.length ? `"${picked.join(', ')}"` : 'Unanswered'}`;
  });
  return `The user answered your questions: ${lines.join('; ')}. Continue with these answers in mind.`;
}

/** `question`: asks the user through `question.asked` and waits for `/question/{id}/reply|reject`. */
export const questionTool = defineTool({
  id: 'question',
  description: QUESTION_DESCRIPTION,
  parameters: QuestionParametersSchema,
  async execute(args, ctx) {
    const ask = ctx.services?.askQuestions as AskWithCall | undefined;
    if (!ask) throw new ToolError('Questions cannot be asked in this session.');
    const answers = await ask(args.questions, ctx.callId);
    const count = args.questions.length;
    return {
      title: `Asked ${count} question${count === 1 ? '' : 's'}`,
      output: render(args.questions, answers),
      metadata: { answers },
    };
  },
});
