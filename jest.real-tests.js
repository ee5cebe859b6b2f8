// The real tier (jest.tiers.js): `npm test` leaves these out, `npm run test:real` runs them.
module.exports = [require('./jest.tiers.js').real];
