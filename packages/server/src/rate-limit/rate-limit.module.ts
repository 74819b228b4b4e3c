import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { CheckRateLimits } from './check-limits.js';
import { IpRateLimits, RegistrationRateLimitGuard, RequestRateLimitMiddleware } from './rate-limits.js';

@Global()
@Module({
  providers: [IpRateLimits, RegistrationRateLimitGuard, CheckRateLimits],
  exports: [IpRateLimits, RegistrationRateLimitGuard, CheckRateLimits],
})
export class RateLimitModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestRateLimitMiddleware).forRoutes('*splat');
  }
}
