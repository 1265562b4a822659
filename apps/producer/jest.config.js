module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'producer',
  rootDir: __dirname,
};
