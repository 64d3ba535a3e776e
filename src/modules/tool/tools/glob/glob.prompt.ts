export const GLOB_DESCRIPTION = `Finds files in the project whose paths match a glob pattern.

- pattern uses glob syntax: "*.ts" matches at any depth, "src/**/*.test.ts" is anchored at the search folder, "{a,b}" and "[abc]" work too.
- path is the folder to search (default: the project root).
- Returns absolute paths of matching files, most recently modified first, at most 100. Files ignored by .gitignore are skipped.
- Use it to locate files by name; use grep to search inside files. When an open-ended search may need several rounds, run the likely ones in parallel.`;
