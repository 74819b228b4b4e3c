import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class ListPeersQuery {
  // Bounded so that the row offset ((page - 1) × per_page) stays a PostgreSQL bigint.
  @IsOptional() @Type(() => Number) @IsInt({ message: 'must be an integer' }) @Min(1, { message: 'must be at least 1' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  page?: number;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'must be an integer' }) @Min(1, { message: 'must be at least 1' })
  @Max(500, { message: 'must be at most 500' })
  per_page?: number;

  /** Part of a domain name (case-insensitive substring). */
  @IsOptional() @IsString({ message: 'must be a string' }) @MaxLength(253, { message: 'must be at most 253 characters' })
  domain?: string;
}

export class RevokeDto {
  @IsDefined({ message: 'is required' }) @IsString({ message: 'must be a string' })
  @MinLength(3, { message: 'must be at least 3 characters' }) @MaxLength(500, { message: 'must be at most 500 characters' })
  reason: string;
}
