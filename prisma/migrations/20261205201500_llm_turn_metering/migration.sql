-- Every LLM call is metered with its purpose, and budgets are reserved against per-period counters.
ALTER TABLE "UsageRecord" ADD COLUMN "purpose" TEXT NOT NULL DEFAULT 'step';

CREATE TABLE "BudgetCounter" (
    "tenantId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "used" DECIMAL(24,12) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BudgetCounter_pkey" PRIMARY KEY ("tenantId","key")
);

ALTER TABLE "BudgetCounter" ADD CONSTRAINT "BudgetCounter_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
