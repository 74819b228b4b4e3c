import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { IpRateLimits, RegistrationRateLimitGuard, RequestRateLimitMiddleware } from './rate-limits.js';

@Global()
@Module({
  providers: [IpRateLimits, RegistrationRateLimitGuard],
  exports: [IpRateLimits, RegistrationRateLimitGuard],
})
export class RateLimitModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestRateLimitMiddleware).forRoutes('*splat');
  }
}
