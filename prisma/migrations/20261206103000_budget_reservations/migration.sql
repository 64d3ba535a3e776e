-- Budget reservations held by running LLM calls (issue 20 item 6 and budgets): a process that dies mid-call left its
-- reservation counted forever. As a row, a sweep gives it back once its owner stops renewing it.
CREATE TABLE "BudgetReservation" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "claims" JSONB NOT NULL,
    "buckets" JSONB NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetReservation_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "BudgetReservation_expiresAt_idx" ON "BudgetReservation"("expiresAt");
CREATE INDEX "BudgetReservation_owner_idx" ON "BudgetReservation"("owner");

ALTER TABLE "BudgetReservation" ADD CONSTRAINT "BudgetReservation_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
