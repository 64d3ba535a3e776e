import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { SCOPE_PATTERN } from '../../budget/budget.metrics';
import { ALLOWANCE_PERIODS, ALLOWANCE_UNITS, type AllowancePeriod, type AllowanceUnit } from '../allowance.policy';

const DECIMAL = /^\d{1,12}(\.\d{1,12})?$/;

export class SetAllowanceDto {
  @ApiProperty({
    example: 'role:student',
    description:
      '`tenant` (one bucket for the school), `class:<id>` (one for the class), `user:<id>` or `role:<role>` (a bucket per user).',
  })
  @IsString()
  @Matches(SCOPE_PATTERN, { message: 'scope must be tenant, class:<id>, user:<id> or role:<admin|teacher|student>' })
  scope!: string;
  @ApiProperty({ enum: ALLOWANCE_UNITS, example: 'tokens', description: 'Tokens (all kinds) or exact dollars.' })
  @IsIn(ALLOWANCE_UNITS)
  unit!: AllowanceUnit;
  @ApiProperty({ example: '20000', description: 'The most the bucket holds (a new bucket starts full).' })
  @IsString()
  @Matches(DECIMAL, { message: 'capacity must be a positive decimal string' })
  capacity!: string;
  @ApiProperty({ example: '5000', description: 'What flows back in per `per`, continuously.' })
  @IsString()
  @Matches(DECIMAL, { message: 'refill must be a positive decimal string' })
  refill!: string;
  @ApiProperty({ enum: ALLOWANCE_PERIODS, example: 'hour' })
  @IsIn(ALLOWANCE_PERIODS)
  per!: AllowancePeriod;
}

export class AllowanceDto {
  @ApiProperty({ example: 'alw_0193f0c2a1b2AbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'role:student' }) scope!: string;
  @ApiProperty({ enum: ALLOWANCE_UNITS }) unit!: AllowanceUnit;
  @ApiProperty({ example: '20000' }) capacity!: string;
  @ApiProperty({ example: '5000' }) refill!: string;
  @ApiProperty({ enum: ALLOWANCE_PERIODS }) per!: AllowancePeriod;
  @ApiProperty({ example: 1767225600000 }) updated!: number;
}

export class AllowanceStateDto {
  @ApiProperty({ example: 'alw_0193f0c2a1b2AbCdEfGhIjKlMn' }) allowanceID!: string;
  @ApiProperty({
    example: 'user:usr_0193f0c2a1b2AbCdEfGhIjKlMn',
    description: 'Whose bucket: yours, your class’s or the school’s.',
  })
  scope!: string;
  @ApiProperty({ enum: ALLOWANCE_UNITS }) unit!: AllowanceUnit;
  @ApiProperty({ example: '20000' }) capacity!: string;
  @ApiProperty({ example: '5000' }) refill!: string;
  @ApiProperty({ enum: ALLOWANCE_PERIODS }) per!: AllowancePeriod;
  @ApiProperty({ example: '12500', description: 'Left now (exact dollars for cost; below zero after an overrun).' })
  remaining!: string;
  @ApiProperty({
    example: 1767229200000,
    nullable: true,
    description: 'Unix ms when the bucket is full again; null when full.',
  })
  fullAt!: number | null;
}

export class MyAllowanceDto {
  @ApiProperty({ type: [AllowanceStateDto] }) allowances!: AllowanceStateDto[];
}
