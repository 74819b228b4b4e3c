import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-docs.js';

const READY_TIMEOUT_MS = 1500;

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** Liveness: the process answers. Never touches the database, so a database outage does not restart pods. */
  @Get('healthz')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: 200 while the process runs (never touches the database)' })
  @ApiOkResponse({ description: 'The process answers', schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within READY_TIMEOUT_MS. */
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers within 1.5 s' })
  @ApiOkResponse({ description: 'Ready', schema: { example: { status: 'ready', database: 'ok' } } })
  @ApiError(503, 'The database does not answer', 'database: no answer within 1500 ms')
  async ready() {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), READY_TIMEOUT_MS);
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      // The cause lets the error filter see a database outage (logged once as a warning, not once per probe).
      throw new ServiceUnavailableException(`database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
