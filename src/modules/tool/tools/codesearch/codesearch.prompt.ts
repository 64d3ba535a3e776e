export const CODESEARCH_DESCRIPTION = `Finds code examples and documentation for libraries, frameworks and APIs.

- query: what you need, e.g. "React useEffect cleanup with AbortController" or "zod discriminated union
  parse errors". Name the library and, when it matters, the version.
- tokensNum: how much context to return, from 1000 to 50000 tokens (default 5000). Ask for more when you need
  several complete examples, less for a quick signature check.

Use it before writing code against an API you are unsure about, to get current usage rather than guessing.`;
