module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'ssv-logs',
  rootDir: __dirname,
};
