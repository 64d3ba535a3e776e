import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';

export class TeacherPermissionReplyDto {
  @ApiProperty({
    enum: ['once', 'reject'],
    description: 'A teacher allows once or rejects; a standing approval (`always`) is the student’s to give.',
  })
  @IsIn(['once', 'reject'])
  reply!: 'once' | 'reject';

  @ApiPropertyOptional({ example: 'Not now: read the error message first.' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  message?: string;
}
