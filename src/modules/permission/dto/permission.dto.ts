import { IsIn, IsOptional, IsString, Length } from 'class-validator';

export class PermissionReplyDto {
  @IsIn(['once', 'always', 'reject']) reply!: 'once' | 'always' | 'reject';
  /** Feedback the model sees with a rejection. */
  @IsOptional() @IsString() @Length(0, 10_000) message?: string;
}

export class LegacyPermissionReplyDto {
  @IsIn(['once', 'always', 'reject']) response!: 'once' | 'always' | 'reject';
}

export class PermissionRequestDto {
  id!: string;
  sessionID!: string;
  permission!: string;
  patterns!: string[];
  metadata!: object;
  always!: string[];
  tool?: object;
}
