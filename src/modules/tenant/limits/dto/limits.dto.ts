import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { LIMIT_BOUNDS } from '../../../../core/config/abuse-limits';

const b = LIMIT_BOUNDS;

/** A school's abuse limits; every one counts per user except share links (per client IP). */
export class LimitsDto {
  requestsPerMinute!: number;
  apiKeysPerUser!: number;
  sseConnectionsPerUser!: number;
  sessionRules!: number;
  sessionRuleBytes!: number;
  shareRequestsPerMinutePerIp!: number;
}

/** The limits to change; the others keep their value. None can be switched off. */
export class UpdateLimitsDto {
  @IsOptional() @IsInt() @Min(b.requestsPerMinute[0]) @Max(b.requestsPerMinute[1]) requestsPerMinute?: number;
  @IsOptional() @IsInt() @Min(b.apiKeysPerUser[0]) @Max(b.apiKeysPerUser[1]) apiKeysPerUser?: number;
  @IsOptional()
  @IsInt()
  @Min(b.sseConnectionsPerUser[0])
  @Max(b.sseConnectionsPerUser[1])
  sseConnectionsPerUser?: number;
  @IsOptional() @IsInt() @Min(b.sessionRules[0]) @Max(b.sessionRules[1]) sessionRules?: number;
  @IsOptional() @IsInt() @Min(b.sessionRuleBytes[0]) @Max(b.sessionRuleBytes[1]) sessionRuleBytes?: number;
  @IsOptional()
  @IsInt()
  @Min(b.shareRequestsPerMinutePerIp[0])
  @Max(b.shareRequestsPerMinutePerIp[1])
  shareRequestsPerMinutePerIp?: number;
}
