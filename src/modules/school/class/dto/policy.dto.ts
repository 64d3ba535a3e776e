import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

/**
 * An agent and model policy (a class's settings, an assignment's policy; `role_access.<role>` in the school config has
 * the same keys). Lists only narrow what the layers above allow. The service checks every name against what the
 * school has (unknown agents, models and tools are 400s).
 */
export class AccessPolicyDto {
  @ApiPropertyOptional({
    example: ['tutor', 'plan'],
    description: 'Agents the users may pick (`*` wildcards); absent: no list here.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  agents?: string[];

  @ApiPropertyOptional({
    example: ['fake/*'],
    description: '`provider/model` refs the users may pick (`*` wildcards).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 300, { each: true })
  models?: string[];

  @ApiPropertyOptional({
    example: 'tutor',
    description: 'The agent of a prompt that names none (and the only one when `allow_change` is false).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  default_agent?: string;

  @ApiPropertyOptional({
    example: 'fake/fake-model',
    description: 'The model of a prompt that names none (and the only one when `allow_change` is false).',
  })
  @IsOptional()
  @IsString()
  @Length(3, 300)
  @Matches(/^[^/\s]+\/\S+$/, { message: 'default_model must be "provider/model"' })
  default_model?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'boolean' },
    example: { bash: false, webfetch: false },
    description: 'Tools turned off (`false`); `true` leaves a tool as the layers above have it.',
  })
  @IsOptional()
  @IsObject()
  tools?: Record<string, boolean>;

  @ApiPropertyOptional({
    example: false,
    description:
      'false: users stay on the default agent and model; a prompt naming another is a 403 (`agent_locked`, `model_locked`). Default true.',
  })
  @IsOptional()
  @IsBoolean()
  allow_change?: boolean;
}
