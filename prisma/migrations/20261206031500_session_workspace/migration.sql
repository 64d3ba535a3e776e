-- OpenCode's Session.workspaceID: accepted by POST /session, echoed, and a filter of the session lists.
ALTER TABLE "Session" ADD COLUMN "workspaceId" TEXT;
