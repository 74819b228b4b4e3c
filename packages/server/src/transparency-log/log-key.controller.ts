import { Controller, Get, Header, Options } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ANY_ORIGIN, ReadOnlyCorsPreflight } from '../common/security-headers.js';
import { Checkpoints } from './checkpoints.js';

@ApiTags('transparency log')
@Controller('.well-known/federation-hub')
export class LogKeyController {
  constructor(private readonly checkpoints: Checkpoints) {}

  /** The verifier key of the checkpoints, in the signed-note format that note verifiers and witnesses take. */
  @Get('log-key')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header(...ANY_ORIGIN)
  @ApiOperation({ summary: 'The log\'s note verifier key: <origin>+<key id>+<base64(0x01 || Ed25519 key)>' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string', example: 'hub.example.com+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n' } })
  logKey(): string {
    return `${this.checkpoints.verifierKey}\n`;
  }

  @Options('log-key')
  @ReadOnlyCorsPreflight()
  preflight(): void {}
}
