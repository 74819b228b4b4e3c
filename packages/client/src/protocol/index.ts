export * from './domain.js';
export * from './errors.js';
export * from './peer.js';
export * from './public-key.js';
export * from './records.js';
export * from './url.js';
