import { IsOptional, IsString, Length } from 'class-validator';

export class DiffQueryDto {
  /** Accepted like OpenCode does; the stored session diff is returned either way. */
  @IsOptional() @IsString() @Length(1, 64) messageID?: string;
}

export class SnapshotFileDiffDto {
  file!: string;
  patch!: string;
  additions!: number;
  deletions!: number;
  status!: 'added' | 'deleted' | 'modified';
}
