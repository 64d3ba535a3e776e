import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { AccessPolicyDto } from '../../../school/class/dto/policy.dto';

const MAX_DUE = 8_640_000_000_000; // the largest Date

/** The agent and model policy in students' copies of the assignment (one more list under the class's). */
export class AssignmentPolicyDto extends AccessPolicyDto {}

export class CreateAssignmentDto {
  @ApiProperty({ example: 'Loops: FizzBuzz' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiPropertyOptional({
    example: 'Complete fizzbuzz.py so that `python fizzbuzz.py` prints 1..100. Explain your loop in comments.',
    description: 'Shown to the agent as an instruction file (and written to ASSIGNMENT.md in each copy).',
  })
  @IsOptional()
  @IsString()
  @Length(0, 20_000)
  instructions?: string;

  @ApiPropertyOptional({ example: 1767225600000, description: 'Due time, Unix milliseconds; collected then.' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_DUE)
  due?: number | null;

  @ApiPropertyOptional({ type: AssignmentPolicyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AssignmentPolicyDto)
  policy?: AssignmentPolicyDto;
}

export class UpdateAssignmentDto {
  @ApiPropertyOptional({ example: 'Loops: FizzBuzz (v2)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 20_000)
  instructions?: string;

  @ApiPropertyOptional({ example: 1767225600000, nullable: true, description: 'null removes the due time.' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_DUE)
  due?: number | null;

  @ApiPropertyOptional({ type: AssignmentPolicyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AssignmentPolicyDto)
  policy?: AssignmentPolicyDto;
}

export class StarterInfoDto {
  @ApiProperty({ example: 3 }) files!: number;
  @ApiProperty({ example: 2048 }) bytes!: number;
}

export class AssignmentDto {
  @ApiProperty({ example: 'asg_0193f0c2a1b2AbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'cls_0193f0c2a1b2AbCdEfGhIjKlMn' }) classID!: string;
  @ApiProperty({ example: 'Loops: FizzBuzz' }) title!: string;
  @ApiProperty() instructions!: string;
  @ApiProperty({ type: AssignmentPolicyDto }) policy!: AssignmentPolicyDto;
  @ApiPropertyOptional({ type: StarterInfoDto, nullable: true }) starter!: StarterInfoDto | null;
  @ApiPropertyOptional({ example: 1767225600000, nullable: true }) due!: number | null;
  @ApiProperty({ example: { created: 1767225600000, updated: 1767225600000 } })
  time!: { created: number; updated: number };
}

export class OpenedAssignmentDto {
  @ApiProperty({ type: AssignmentDto }) assignment!: AssignmentDto;
  @ApiProperty({ example: 'prj_0193f0c2a1b2AbCdEfGhIjKlMn' }) projectID!: string;
  @ApiProperty({
    example: '/var/lib/opencode-api/workspaces/ten_…/usr_…--asg_…',
    description: 'Pass as `?directory=` to every OpenCode route (sessions, files, events) to work in this copy.',
  })
  directory!: string;
  @ApiProperty({ example: 'c0ffee0123456789abcdef0123456789abcdef01', nullable: true })
  startCommit!: string | null;
  @ApiProperty({ example: true, description: 'True when this call seeded the copy; false when it already existed.' })
  seeded!: boolean;
}
