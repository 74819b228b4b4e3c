import { Controller, Get, Options, Query, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../common/api-docs.js';
import { ANY_ORIGIN, ReadOnlyCorsPreflight } from '../common/security-headers.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { Checkpoints } from './checkpoints.js';
import { indexParam, LogQueries, MAX_PAGE, onlyParams } from './log-queries.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The transparency log's read API (docs/transparency-log.md): open to every origin, like lookups. */
@ApiTags('transparency log')
@Controller('api/v1/log')
export class LogController {
  constructor(
    private readonly checkpoints: Checkpoints,
    private readonly queries: LogQueries,
    private readonly domains: PeerDomains,
  ) {}

  @Get('checkpoint')
  @ApiOperation({ summary: 'The newest signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note), as is' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'origin, tree size, base64 root hash, a blank line, the signature line(s); verify with the key at /.well-known/federation-hub/log-key',
    schema: { type: 'string', example: 'hub.example.com\n41\nq2Zb…=\n\n— hub.example.com Az3g…=\n' },
  })
  checkpoint(@Res({ passthrough: true }) response: Response): string {
    response.set(...ANY_ORIGIN);
    const latest = this.checkpoints.current;
    if (!latest) throw new ServiceUnavailableException('checkpoint: none read from the database yet; try again shortly');
    // A new checkpoint may come any LOG_CHECKPOINT_SECONDS: caches must ask again.
    response.set('Cache-Control', 'no-cache').type('text/plain; charset=utf-8');
    return latest.note;
  }

  @Get('entries')
  @ApiOperation({ summary: `Log entries with their leaf bytes, by index: start ≤ index < end, at most ${MAX_PAGE} per page` })
  @ApiQuery({ name: 'start', required: true, example: 0 })
  @ApiQuery({ name: 'end', required: false, example: 100, description: `Exclusive; at most start + ${MAX_PAGE}, default start + ${MAX_PAGE} clipped to the log's size (with domain: any, default the log's size)` })
  @ApiQuery({ name: 'domain', required: false, example: 'chat.example.com', description: `Only this domain's entries in [start, end), at most ${MAX_PAGE} (for monitors)` })
  @ApiOkResponse({
    description: 'entries (leaf = base64 of the canonical entry bytes, the Merkle leaf) and the log\'s current size',
    schema: {
      example: {
        entries: [
          {
            index: 0,
            time: '2026-12-01T12:00:00.000Z',
            domain: 'chat.example.com',
            action: 'register',
            url: 'https://chat.example.com',
            public_key: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
            fingerprint: '9f86d081…',
            previous_index: null,
            reason: null,
            leaf: 'ZmVkZXJhdGlvbi1odWItbG9nLWVudHJ5L3YxCm…',
          },
        ],
        tree_size: 41,
      },
    },
  })
  @ApiError(400, 'A parameter is missing or out of range', `end: a page holds at most ${MAX_PAGE} entries`)
  async entries(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response) {
    response.set(...ANY_ORIGIN);
    onlyParams(query, ['start', 'end', 'domain']);
    const start = indexParam(query, 'start', true);
    const end = indexParam(query, 'end', false);
    const domain = query.domain === undefined ? undefined : this.domains.normalize(query.domain, 'domain');
    const page = await this.queries.entries(start, end, domain);
    // Entries never change, but tree_size and (with a domain) the page's contents grow.
    response.set('Cache-Control', 'public, max-age=5');
    return page;
  }

  @Get('proof/inclusion')
  @ApiOperation({ summary: 'The audit path of entry `index` in the tree of `tree_size` entries (RFC 9162 §2.1.3)' })
  @ApiQuery({ name: 'index', required: true, example: 3 })
  @ApiQuery({ name: 'tree_size', required: true, example: 41 })
  @ApiOkResponse({ description: 'Immutable', schema: { example: { index: 3, tree_size: 41, leaf_hash: 'base64…', proof: ['base64…'] } } })
  @ApiError(400, 'A parameter is missing or out of range', "tree_size: must not exceed the log's size 41")
  async inclusion(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response) {
    response.set(...ANY_ORIGIN);
    onlyParams(query, ['index', 'tree_size']);
    const index = indexParam(query, 'index', true);
    const treeSize = indexParam(query, 'tree_size', true);
    const proof = await this.queries.inclusion(index, treeSize);
    response.set('Cache-Control', IMMUTABLE);
    return proof;
  }

  @Get('proof/consistency')
  @ApiOperation({ summary: 'The consistency proof from the tree of `first` entries to the tree of `second` (RFC 9162 §2.1.4)' })
  @ApiQuery({ name: 'first', required: true, example: 10 })
  @ApiQuery({ name: 'second', required: true, example: 41 })
  @ApiOkResponse({ description: 'Immutable', schema: { example: { first: 10, second: 41, proof: ['base64…'] } } })
  @ApiError(400, 'A parameter is missing or out of range', 'first: must not exceed second 41')
  async consistency(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response) {
    response.set(...ANY_ORIGIN);
    onlyParams(query, ['first', 'second']);
    const first = indexParam(query, 'first', true);
    const second = indexParam(query, 'second', true);
    const proof = await this.queries.consistency(first, second);
    response.set('Cache-Control', IMMUTABLE);
    return proof;
  }

  @Options(['checkpoint', 'entries', 'proof/inclusion', 'proof/consistency'])
  @ReadOnlyCorsPreflight()
  preflight(): void {}
}
