import { MailAttempt } from '../mail/mail-attempt.entity.js';
import { OutboxMessage } from '../mail/outbox.entity.js';
import { OwnershipChallenge } from '../ownership-challenges/ownership-challenge.entity.js';
import { Peer } from '../peer-record/peer.entity.js';
import { SigningKeyRow } from '../signing/signing-key.entity.js';
import { VerificationRequest } from '../registration/verification-request.entity.js';
import { VerificationToken } from '../registration/verification-token.entity.js';

/** Every TypeORM entity of the hub; each feature folder owns its own entity files. */
export const ENTITIES: Function[] = [Peer, VerificationRequest, VerificationToken, OutboxMessage, MailAttempt, SigningKeyRow, OwnershipChallenge];
