import { Controller, Get, Header, Options } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ORIGIN, ReadOnlyCorsPreflight } from '../common/security-headers.js';
import { SigningService } from './signing.service.js';

@ApiTags('signing')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signing: SigningService) {}

  /** The public keys that verify the `proof` of lookup answers. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header(...ANY_ORIGIN)
  @ApiOperation({ summary: 'The hub\'s public signing key(s), which verify the `proof` of lookup answers' })
  @ApiOkResponse({
    description: 'A JSON Web Key Set (RFC 7517); CORS open',
    schema: {
      example: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1Qb…', alg: 'EdDSA', use: 'sig' }] },
    },
  })
  jwks() {
    return this.signing.jwks();
  }

  @Options('jwks.json')
  @ReadOnlyCorsPreflight()
  preflight(): void {}
}
