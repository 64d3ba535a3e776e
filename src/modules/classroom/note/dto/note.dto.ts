import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateNoteDto {
  @ApiProperty({ example: 'Try a smaller example first: what should fizz(3) return?', maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  text!: string;
}

export class NoteDto {
  @ApiProperty({ example: 'nte_0193f0c2a1b2AbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'ses_fe6c0f3d5e4dAbCdEfGhIjKlMn' }) sessionID!: string;
  @ApiProperty({ example: 'usr_0193f0c2a1b2AbCdEfGhIjKlMn', nullable: true }) authorID!: string | null;
  @ApiProperty({ example: 'Ms. Kim' }) author!: string;
  @ApiProperty() text!: string;
  @ApiProperty({
    example: { created: 1767225600000, delivered: 1767225660000 },
    description: '`delivered`: when a model request first carried it (absent until the next turn).',
  })
  time!: { created: number; delivered?: number };
  @ApiProperty({
    example: 'msg_0193f0c2a1b2AbCdEfGhIjKlMn',
    nullable: true,
    description: 'The user message whose turn carried it.',
  })
  messageID!: string | null;
}
