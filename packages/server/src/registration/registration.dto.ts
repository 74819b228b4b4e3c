import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { ProofMethod } from './verification-request.entity.js';

/**
 * The body Rocket.Chat servers send to `POST /api/v1/peers`, plus the optional `contact`.
 * Shape only (types, presence, length caps); the federation rules live in src/protocol.
 */
export class RegistrationDto {
  @ApiProperty({ example: 'chat.example.com', description: 'The domain to register (IDN allowed; stored as punycode)' })
  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be a string' })
  @MaxLength(1024, { message: 'must be at most $constraint1 characters' })
  domain: string;

  @ApiProperty({ example: 'https://chat.example.com', description: 'Base URL of the chat server (http or https)' })
  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be a string' })
  @MaxLength(2048, { message: 'must be at most $constraint1 characters' })
  url: string;

  @ApiProperty({
    example: '-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA…-----END PUBLIC KEY-----',
    description: 'SPKI PEM public key, with or without line breaks: RSA ≥ MIN_RSA_KEY_BITS, EC P-256/P-384 or Ed25519',
  })
  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be a string' })
  @MaxLength(16384, { message: 'must be at most $constraint1 characters' })
  public_key: string;

  @ApiPropertyOptional({
    example: 'webmaster@example.com',
    description: 'Mailbox that confirms: one of CONTACT_LOCAL_PARTS at the domain or a parent above the public suffix. Default webmaster@<domain>',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxLength(320, { message: 'must be at most $constraint1 characters' })
  contact?: string;

  @ApiPropertyOptional({
    enum: ['email', 'dns', 'http'],
    default: 'email',
    description: 'How ownership is proven: a link emailed to the contact (default), a TXT record, or a file over HTTP (docs/ownership-proofs.md)',
  })
  @IsOptional()
  @IsIn(['email', 'dns', 'http'], { message: 'must be one of email, dns, http' })
  method?: ProofMethod;
}
