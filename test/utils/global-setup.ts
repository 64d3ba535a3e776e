// Jest globalSetup for integration/e2e/fault tiers: builds nothing, only checks the environment once.
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
}
