import { Module } from '@nestjs/common';
import { PeerDomains } from './peer-domains.js';
import { PeerEvents } from './peer-events.js';

/** The peer record everything else builds on: its domain rule and its change events. Imports no flow. */
@Module({
  providers: [PeerDomains, PeerEvents],
  exports: [PeerDomains, PeerEvents],
})
export class PeerRecordModule {}
