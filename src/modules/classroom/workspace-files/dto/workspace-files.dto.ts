import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class WorkspaceQueryDto {
  @ApiPropertyOptional({
    description: 'The project (OpenCode instance selector), e.g. the `directory` of an opened assignment.',
  })
  @IsOptional()
  @IsString()
  @Length(0, 1024)
  directory?: string;
}

export class WorkspaceFileQueryDto extends WorkspaceQueryDto {
  @ApiProperty({ example: 'src/fizzbuzz.py', description: 'Relative to the project root.' })
  @IsString()
  @Length(1, 4096)
  path!: string;
}

export class UploadedFileDto {
  @ApiProperty({ example: 'src/fizzbuzz.py' }) path!: string;
  @ApiProperty({ example: 512 }) size!: number;
}
