import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';

const READY_TIMEOUT_MS = 1500;

@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** Liveness: the process answers. Never touches the database, so a database outage does not restart pods. */
  @Get('healthz')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within READY_TIMEOUT_MS. */
  @Get('readyz')
  async ready() {
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), READY_TIMEOUT_MS);
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      throw new ServiceUnavailableException(`database: ${error instanceof Error ? error.message : String(error)}`);
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
