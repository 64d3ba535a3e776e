export const WEBFETCH_DESCRIPTION = `Downloads a web page or file from a public http(s) URL and returns its content.

- url: a complete http:// or https:// address. Addresses on the server's own network (localhost, private or
  link-local ranges, cloud metadata services) are refused, including through redirects.
- format: "markdown" (default) converts HTML to Markdown, "text" strips the markup, "html" returns it untouched.
  Non-HTML text (JSON, plain text, source files) comes back as it is.
- timeout: optional, in seconds (default 30, at most 120).

Responses larger than 5 MB are refused. Images are returned as attachments you can look at. The content can
be long; it may be shortened in the middle, so fetch the most specific page you can. Use this for documentation,
changelogs, issue threads or API references the user points to; use websearch to find pages first.`;
