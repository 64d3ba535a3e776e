import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class StudentSubmissionDto {
  @ApiProperty({ example: 'usr_0193f0c2a1b2AbCdEfGhIjKlMn' }) userID!: string;
  @ApiProperty({ example: 'Ada' }) name!: string;
  @ApiProperty({ example: true, description: 'False when the student never opened the assignment.' }) opened!: boolean;
  @ApiProperty({ example: 4 }) files!: number;
  @ApiProperty({ example: false, description: 'The copy was over the collection limits (2000 files, 100 MB).' })
  truncated!: boolean;
  @ApiPropertyOptional({ example: ['notes.md'] }) added?: string[];
  @ApiPropertyOptional({ example: ['fizzbuzz.py'] }) modified?: string[];
  @ApiPropertyOptional({ example: [] }) deleted?: string[];
  @ApiPropertyOptional({ example: 12, description: 'Lines added against the starter files.' }) additions?: number;
  @ApiPropertyOptional({ example: 2 }) deletions?: number;
}

export class CollectionDto {
  @ApiProperty({ example: 'col_0193f0c2a1b2AbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'asg_0193f0c2a1b2AbCdEfGhIjKlMn' }) assignmentID!: string;
  @ApiProperty({ enum: ['due', 'manual'] }) trigger!: 'due' | 'manual';
  @ApiProperty({ example: 1767225600000 }) created!: number;
  @ApiProperty({ type: [StudentSubmissionDto] }) students!: StudentSubmissionDto[];
}
