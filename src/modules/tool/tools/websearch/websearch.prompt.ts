export const WEBSEARCH_DESCRIPTION = `Searches the web and returns the best matching pages with their text or a short summary.

- query: what to look for, phrased like a search engine query. Include the year for anything time-sensitive
  (releases, versions, news) and the library or product name for technical questions.
- numResults: how many results to return (default 8).
- type: "auto" (default), "fast" for a quick answer, "deep" for a thorough search.
- livecrawl: "fallback" (default) uses cached pages when possible, "preferred" fetches fresh copies.
- contextMaxCharacters: optional cap on the text returned per search.

Use it for information beyond your training data or when the user asks for current facts. Cite the URLs you
rely on. To read one result in full, pass its URL to webfetch.`;
