import { IsOptional, IsString, Length } from 'class-validator';

export class ToolListQueryDto {
  /** Provider of the model the list is for (default: the configured model's). */
  @IsOptional() @IsString() @Length(1, 200) provider?: string;
  @IsOptional() @IsString() @Length(1, 300) model?: string;
}

export class ToolInfoDto {
  id!: string;
  description!: string;
  /** JSON Schema of the parameters. */
  parameters!: object;
}
