import { Controller, Get, Header } from '@nestjs/common';
import { SigningService } from './signing.service.js';

@Controller('.well-known')
export class JwksController {
  constructor(private readonly signing: SigningService) {}

  /** The public keys that verify the `proof` of lookup answers. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('Access-Control-Allow-Origin', '*')
  jwks() {
    return this.signing.jwks();
  }
}
