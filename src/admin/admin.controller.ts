import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RegistrationService } from '../peers/registration.service.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { ListPeersQuery, RevokeDto } from './admin.dto.js';
import { AdminService } from './admin.service.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@Controller('api/v1/admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly registrations: RegistrationService,
  ) {}

  @Get('peers')
  list(@Query() query: ListPeersQuery) {
    return this.admin.listPeers(query.page, query.per_page, query.domain);
  }

  @Get('peers/:domain')
  show(@Param('domain') domain: string) {
    return this.admin.showPeer(this.registrations.domain(domain));
  }

  @Post('peers/:domain/revoke')
  @HttpCode(200)
  revoke(@Param('domain') domain: string, @Body() body: RevokeDto) {
    return this.admin.revoke(this.registrations.domain(domain), body.reason);
  }

  @Get('outbox/dead')
  dead() {
    return this.admin.deadEmails();
  }

  @Post('outbox/:id/requeue')
  @HttpCode(200)
  requeue(@Param('id') id: string) {
    if (!/^\d{1,18}$/.test(id)) throw new BadRequestException('id: must be a positive integer');
    return this.admin.requeue(id);
  }
}
