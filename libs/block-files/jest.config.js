module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'block-files',
  rootDir: __dirname,
};
