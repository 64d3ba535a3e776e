// A school may require that students are told they are talking to an AI. The text is the school's setting; the
// session declares this port and the school module answers, so session never imports school.

export const AI_DISCLOSURE = Symbol('AI_DISCLOSURE');

export interface AiDisclosure {
  /** The school's disclosure text, if it set one. */
  textFor(tenantId: string): Promise<string | undefined>;
}
