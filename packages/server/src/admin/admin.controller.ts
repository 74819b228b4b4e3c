import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-docs.js';
import { PeerDomains } from '../peer-record/peer-domains.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { ListPeersQuery, RevokeDto } from './admin.dto.js';
import { AdminService } from './admin.service.js';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiError(401, 'No or wrong bearer token', 'authorization: a valid admin bearer token is required')
@ApiError(404, 'Admin API off (ADMIN_TOKEN unset), or no such peer or email', 'domain: other.example.com is unknown to this hub')
@Controller('api/v1/admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly domains: PeerDomains,
  ) {}

  @Get('peers')
  @ApiError(400, 'A query parameter breaks a rule', 'per_page: must be at most 500')
  list(@Query() query: ListPeersQuery) {
    return this.admin.listPeers(query.page, query.per_page, query.domain);
  }

  @Get('peers/:domain')
  show(@Param('domain') domain: string) {
    return this.admin.showPeer(this.domains.normalize(domain));
  }

  @Post('peers/:domain/revoke')
  @HttpCode(200)
  revoke(@Param('domain') domain: string, @Body() body: RevokeDto) {
    return this.admin.revoke(this.domains.normalize(domain), body.reason);
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
