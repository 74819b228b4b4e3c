import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const errorSchema = (example: string) => ({
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string', example },
    details: { type: 'array', items: { type: 'string' } },
  },
});

/** Documents an error answer in the hub's one error format. */
export function ApiError(status: number, description: string, example: string) {
  return applyDecorators(ApiResponse({ status, description, schema: errorSchema(example) }));
}

export const PEER_ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    peer: {
      type: 'object',
      properties: {
        domain: { type: 'string', example: 'chat.example.com' },
        url: { type: 'string', example: 'https://chat.example.com' },
        public_key: { type: 'string', example: '-----BEGIN PUBLIC KEY-----\nMIIB…\n-----END PUBLIC KEY-----\n' },
        fingerprint: { type: 'string', description: 'lowercase hex SHA-256 of the DER SPKI key' },
        confirmed_at: { type: 'string', format: 'date-time' },
        key_since: { type: 'string', format: 'date-time', nullable: true, description: 'when this key was first confirmed for the domain, from the transparency log' },
        log: {
          type: 'object',
          nullable: true,
          description: "the record's transparency-log entry with its inclusion proof and the signed checkpoint the proof is for (docs/transparency-log.md)",
          properties: {
            index: { type: 'integer', example: 3 },
            tree_size: { type: 'integer', example: 41 },
            leaf: { type: 'string', description: 'base64 of the canonical entry bytes (the Merkle leaf)' },
            inclusion: { type: 'array', items: { type: 'string' }, description: 'base64 audit path, leaf level first' },
            checkpoint: { type: 'string', description: 'C2SP signed note of the checkpoint of size tree_size' },
          },
        },
        proof: { type: 'string', description: 'compact JWS (EdDSA, typ federation-peer+jwt) over domain, url, public_key, fingerprint, confirmed_at and log_index (the log entry), plus iat, exp, iss; verify with /.well-known/jwks.json' },
      },
    },
  },
};
