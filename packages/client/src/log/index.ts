/**
 * The transparency log's pure code, shared by the hub (which builds proofs and signs checkpoints) and by clients,
 * auditors and monitors (which verify them). node:crypto only.
 */
export * from './errors.js';
export * from './merkle.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './entry.js';
