// A small shell lexer for permission prompts, not an interpreter: it finds every simple command the shell
// would run — across `&&`, `||`, `;`, `|`, `&`, newlines, subshells, `$( )`, backticks, `<( )` and heredoc
// bodies — so the user approves each one. The sandbox, not this parser, is what confines the commands.

export interface ShellCommand {
  /** The command as written (trimmed), used as the permission pattern. */
  text: string;
  /** Its words with quotes removed; expansions are kept as written. */
  words: string[];
}

const LEADING_KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'do', 'while', 'until', '!', '{', 'time', 'exec']);
const CLOSING_KEYWORDS = new Set(['fi', 'done', 'esac', '}']);
const HEADER_KEYWORDS = new Set(['for', 'select', 'case', 'function']);
const WORD_BREAK = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>']);

export function splitCommands(source: string): ShellCommand[] {
  const scanner = new Scanner(source);
  scanner.sequence(false);
  return scanner.commands;
}

interface Draft {
  words: string[];
  starts: number[];
  end: number;
}

interface Heredoc {
  delimiter: string;
  stripTabs: boolean;
  expands: boolean;
}

class Scanner {
  pos = 0;
  readonly commands: ShellCommand[] = [];
  private heredocs: Heredoc[] = [];

  constructor(private readonly src: string) {}

  /** Reads commands until the end, or until the `)` closing a subshell or `$(` when `nested`. */
  sequence(nested: boolean): void {
    let draft = emptyDraft();
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      const next = this.src[this.pos + 1];
      if (ch === ')') {
        this.pos++;
        if (nested) return this.finish(draft);
        continue; // a stray `)` (e.g. a case pattern) is not a command
      }
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        this.pos++;
      } else if (ch === '\n') {
        this.finish(draft);
        draft = emptyDraft();
        this.pos++;
        this.skipHeredocBodies();
      } else if (ch === '\\' && next === '\n') {
        this.pos += 2;
      } else if (ch === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (ch === '&' && next === '>') {
        this.redirection(draft);
      } else if (ch === ';' || ch === '&' || ch === '|') {
        this.finish(draft);
        draft = emptyDraft();
        this.pos += next === ch || (ch === '|' && next === '&') ? 2 : 1;
      } else if (ch === '(' && next === ')') {
        // `name() {` — a function definition header, not a subshell.
        this.pos += 2;
        draft.end = this.pos;
      } else if (ch === '(') {
        // A subshell; after words it is a syntax error for bash, but its contents still deserve a look.
        this.pos++;
        this.sequence(true);
      } else if (ch === '<' || ch === '>' || (/[0-9]/.test(ch) && this.isFdRedirection())) {
        this.redirection(draft);
      } else {
        const start = this.pos;
        const word = this.readWord();
        if (this.pos === start) {
          this.pos++; // never stall on a character no rule consumed
          continue;
        }
        draft.words.push(word);
        draft.starts.push(start);
        draft.end = this.pos;
      }
    }
    this.finish(draft);
  }

  private finish(draft: Draft): void {
    let first = 0;
    while (first < draft.words.length && LEADING_KEYWORDS.has(draft.words[first])) first++;
    const words = draft.words.slice(first);
    if (words.length === 0) return;
    if (HEADER_KEYWORDS.has(words[0])) return;
    if (words.length === 1 && CLOSING_KEYWORDS.has(words[0])) return;
    const text = this.src.slice(draft.starts[first], draft.end).trim();
    this.commands.push({ text, words });
  }

  private isFdRedirection(): boolean {
    return /^[0-9]+[<>]/.test(this.src.slice(this.pos, this.pos + 4));
  }

  /** Consumes a redirection and its target; the target is not a word of the command. */
  private redirection(draft: Draft): void {
    while (/[0-9]/.test(this.src[this.pos])) this.pos++;
    const op =
      /^(<<<|<<-|<<|<>|>>|>\||>&|<&|&>>|&>|<\(|>\(|<|>)/.exec(this.src.slice(this.pos))?.[0] ?? this.src[this.pos];
    this.pos += op.length;
    if (op === '<(' || op === '>(') {
      this.sequence(true);
      draft.end = this.pos;
      return;
    }
    while (this.src[this.pos] === ' ' || this.src[this.pos] === '\t') this.pos++;
    if (this.pos >= this.src.length || WORD_BREAK.has(this.src[this.pos])) return;
    const raw = this.pos;
    const target = this.readWord();
    draft.end = this.pos;
    if (op === '<<' || op === '<<-') {
      const quoted = /['"\\]/.test(this.src.slice(raw, this.pos));
      this.heredocs.push({ delimiter: target, stripTabs: op === '<<-', expands: !quoted });
    }
  }

  private skipHeredocBodies(): void {
    const pending = this.heredocs;
    this.heredocs = [];
    for (const heredoc of pending) {
      const bodyStart = this.pos;
      while (this.pos < this.src.length) {
        const lineEnd = this.src.indexOf('\n', this.pos);
        const end = lineEnd === -1 ? this.src.length : lineEnd;
        let line = this.src.slice(this.pos, end);
        if (heredoc.stripTabs) line = line.replace(/^\t+/, '');
        const bodyEnd = this.pos;
        this.pos = lineEnd === -1 ? end : end + 1;
        if (line === heredoc.delimiter) {
          if (heredoc.expands) this.expansionsIn(this.src.slice(bodyStart, bodyEnd));
          break;
        }
      }
    }
  }

  /** Commands hidden in an unquoted heredoc body run too: `$(...)` and backticks expand there. */
  private expansionsIn(body: string): void {
    const inner = new Scanner(body);
    while (inner.pos < body.length) {
      const ch = body[inner.pos];
      if (ch === '\\') inner.pos += 2;
      else if (ch === '$') inner.dollar();
      else if (ch === '`') inner.backtick();
      else inner.pos++;
    }
    this.commands.push(...inner.commands);
  }

  /** One shell word; returns its value with quoting removed and expansions kept verbatim. */
  private readWord(): string {
    let value = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '(' && value.endsWith('=')) {
        value += this.balanced('(', ')');
        continue;
      }
      if (WORD_BREAK.has(ch)) break;
      if (ch === "'") {
        const close = this.src.indexOf("'", this.pos + 1);
        const end = close === -1 ? this.src.length : close;
        value += this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else if (ch === '"') {
        value += this.doubleQuoted();
      } else if (ch === '\\') {
        if (this.src[this.pos + 1] !== '\n') value += this.src[this.pos + 1] ?? '';
        this.pos += 2;
      } else if (ch === '$') {
        value += this.dollar();
      } else if (ch === '`') {
        value += this.backtick();
      } else {
        value += ch;
        this.pos++;
      }
    }
    return value;
  }

  private doubleQuoted(): string {
    let value = '';
    this.pos++;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '"') {
        this.pos++;
        break;
      }
      if (ch === '\\') {
        const next = this.src[this.pos + 1] ?? '';
        if ('$`"\\'.includes(next)) value += next;
        else if (next !== '\n') value += ch + next;
        this.pos += 2;
      } else if (ch === '$') {
        value += this.dollar();
      } else if (ch === '`') {
        value += this.backtick();
      } else {
        value += ch;
        this.pos++;
      }
    }
    return value;
  }

  /** `$(...)` runs commands (collected); `$((...))`, `${...}` and `$'...'` are kept as text. */
  private dollar(): string {
    const start = this.pos;
    const next = this.src[this.pos + 1];
    if (next === '(' && this.src[this.pos + 2] === '(') {
      this.pos++;
      return '$' + this.balanced('(', ')');
    }
    if (next === '(') {
      this.pos += 2;
      this.sequence(true);
      return this.src.slice(start, this.pos);
    }
    if (next === '{') {
      this.pos++;
      return '$' + this.balanced('{', '}');
    }
    if (next === "'") {
      this.pos += 2;
      while (this.pos < this.src.length && this.src[this.pos] !== "'") this.pos += this.src[this.pos] === '\\' ? 2 : 1;
      this.pos++;
      return this.src.slice(start, this.pos);
    }
    this.pos++;
    return '$';
  }

  private backtick(): string {
    const start = this.pos;
    let inner = '';
    this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== '`') {
      const ch = this.src[this.pos];
      if (ch === '\\' && '`$\\'.includes(this.src[this.pos + 1] ?? '')) {
        inner += this.src[this.pos + 1];
        this.pos += 2;
      } else {
        inner += ch;
        this.pos++;
      }
    }
    this.pos++;
    this.commands.push(...splitCommands(inner));
    return this.src.slice(start, this.pos);
  }

  /** Text from an opening bracket to its match, skipping quoted parts. */
  private balanced(open: string, close: string): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '\\') this.pos++;
      else if (ch === "'" || ch === '"') {
        const end = this.src.indexOf(ch, this.pos + 1);
        this.pos = end === -1 ? this.src.length - 1 : end;
      } else if (ch === open) depth++;
      else if (ch === close && --depth === 0) {
        this.pos++;
        return this.src.slice(start, this.pos);
      }
      this.pos++;
    }
    return this.src.slice(start);
  }
}

function emptyDraft(): Draft {
  return { words: [], starts: [], end: 0 };
}
