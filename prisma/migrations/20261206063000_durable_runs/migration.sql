-- Durable runs (issue 20 item 6): an abort asked while the loop ran in another process is kept with the lease, so
-- the loop is never resumed after it, and a turn is taken over at most a few times (a turn that kills every process
-- it lands on must not go round the fleet).
ALTER TABLE "Session" ADD COLUMN "runAbortAt" TIMESTAMP(3);
ALTER TABLE "Session" ADD COLUMN "runResumes" INTEGER NOT NULL DEFAULT 0;
