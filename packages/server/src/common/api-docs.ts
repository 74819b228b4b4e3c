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
        proof: { type: 'string', description: 'compact JWS (EdDSA, typ federation-peer+jwt) over the fields above plus iat, exp, iss; verify with /.well-known/jwks.json' },
      },
    },
  },
};
