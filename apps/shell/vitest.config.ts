import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    // Tests that need a DOM (hooks, components, localStorage) say so: `// @vitest-environment jsdom`.
    environment: 'node',
    // A zone far from India, so a formatter that forgets Asia/Kolkata fails its tests.
    env: { TZ: 'America/Los_Angeles' },
  },
});
