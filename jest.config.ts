/** @jest-config-loader esbuild-register */
// Node 20 cannot load a .ts config by itself and Jest's default loader is
// ts-node; esbuild-register reuses the esbuild that tsx already brings.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': '@swc/jest', '/node_modules/jose/.+\\.js$': '@swc/jest', '/node_modules/@opentelemetry/otlp-exporter-base/.+\\.js$': '@swc/jest' },
  // jose ships ESM only, which Jest's CommonJS runtime cannot load as it is;
  // the OTLP exporter loads node:http with import(), which Jest's runtime
  // refuses without --experimental-vm-modules: compiled, it is a require.
  transformIgnorePatterns: ['/node_modules/(?!jose/)(?!(.*/)?@opentelemetry/otlp-exporter-base/)'],
  testMatch: ['**/__tests__/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 2,
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

export default config;
