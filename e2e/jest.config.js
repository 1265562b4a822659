module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // Real processes over real Redis: seconds, not milliseconds.
  testTimeout: 120_000,
};
