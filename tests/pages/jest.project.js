/**
 * Jest project for the page tests: the real pages in miniprogram-simulate, their service calls
 * going to a local cloud started once for the run (global-setup.ts / global-teardown.ts).
 *
 * Run alone:   npx jest -c tests/pages/jest.project.js
 * Or add to the root jest.config.js:  projects: [..., require('./tests/pages/jest.project.js')]
 */
const path = require('node:path');

const rootDir = path.resolve(__dirname, '..', '..');

/** @type {import('jest').Config} */
module.exports = {
  rootDir,
  displayName: 'pages',
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/pages/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    // The project's TypeScript: tests, pages, components, services.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // TDesign ships ES modules (miniprogram_dist, packed into miniprogram_npm): compile to CommonJS.
    '^.+/miniprogram_npm/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          checkJs: false,
          isolatedModules: true,
          module: 'commonjs',
          target: 'es2020',
          esModuleInterop: true,
        },
      },
    ],
  },
  // Packages inside miniprogram_npm (tslib, dayjs…) resolve there first, as in the mini program.
  moduleDirectories: ['miniprogram_npm', 'node_modules'],
  setupFiles: ['<rootDir>/tests/pages/setup.ts'],
  setupFilesAfterEnv: ['<rootDir>/tests/pages/after-env.ts'],
  globalSetup: '<rootDir>/tests/pages/global-setup.ts',
  globalTeardown: '<rootDir>/tests/pages/global-teardown.ts',
};
