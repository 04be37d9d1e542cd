/**
 * The fast tests: pure units (test/unit) and one-bug-one-file regressions that need no server
 * (test/regressions), without starting PostgreSQL or Redis. `npm run test:unit`.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit', '<rootDir>/test/regressions'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
