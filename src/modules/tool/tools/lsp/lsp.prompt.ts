export const LSP_DESCRIPTION = `Code intelligence from a language server (TypeScript/JavaScript and Python): go to definition, find references, hover information, document and workspace symbols, implementations and call hierarchies.

Operations: goToDefinition, findReferences, hover, documentSymbol, workspaceSymbol (uses query), goToImplementation, prepareCallHierarchy, incomingCalls, outgoingCalls.

Positions are 1-based (line and character as an editor shows them). The result is the server's answer as JSON. If no language server handles the file type, the tool says so; fall back to grep and read.`;
