import { settlesWithin } from './settles-within';

describe('settlesWithin', () => {
  it('answers true for work that resolves or rejects in time', async () => {
    await expect(settlesWithin(Promise.resolve(1), 1000)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('x')), 1000)).resolves.toBe(true);
  });

  it('answers false for work that never settles, and keeps nothing alive', async () => {
    await expect(settlesWithin(new Promise(() => undefined), 5)).resolves.toBe(false);
  });
});
