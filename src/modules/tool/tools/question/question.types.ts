import { z } from 'zod';

// OpenCode's QuestionInfo (§9): the tool's parameters, plus `custom` on the stored request.
export const QuestionOptionSchema = z.object({
  label: z.string().min(1).max(200).describe('Short answer the user can pick (1-5 words)'),
  description: z.string().max(1000).describe('What picking this option means'),
});

export const QuestionInfoSchema = z.object({
  question: z.string().min(1).max(4000).describe('The full question'),
  header: z.string().min(1).max(30).describe('Very short label shown above the question (at most 30 characters)'),
  options: z.array(QuestionOptionSchema).max(20).describe('Answers to choose from'),
  multiple: z.boolean().optional().describe('Allow selecting more than one option'),
});
export type QuestionInfo = z.infer<typeof QuestionInfoSchema> & { custom?: boolean };

export interface QuestionRequestInfo {
  id: string;
  sessionID: string;
  questions: QuestionInfo[];
  tool?: { messageID: string; callID: string };
}
