import { BadRequestException } from '@nestjs/common';

/**
 * Deeper than any OpenCode client sends; leaves room under Prisma's JSON recursion limit (128 levels, counted
 * with its own query envelope) for values stored in Json columns, and far below where recursive transforms
 * overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * body-parser `verify` hook: refuses JSON nested deeper than MAX_JSON_DEPTH before it is parsed. class-transformer
 * (the ValidationPipe) and config merging recurse per level, so a few thousand `[` would otherwise end in a
 * stack overflow and a 500. Scans bytes: `{ [ } ] "` and `\` are ASCII and never occur inside UTF-8 sequences.
 */
export function refuseDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH)
        throw new BadRequestException(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
