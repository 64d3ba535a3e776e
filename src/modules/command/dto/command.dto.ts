import { Type } from 'class-transformer';
import { IsArray, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';

export class CommandFilePartDto {
  @IsOptional() @IsString() @Matches(/^prt_/) id?: string;
  @IsIn(['file']) type!: 'file';
  @IsString() @Length(1, 200) mime!: string;
  @IsOptional() @IsString() @Length(1, 1000) filename?: string;
  @IsString() @Length(1, 20_000_000) url!: string;
  @IsOptional() @IsObject() source?: Record<string, unknown>;
}

export class CommandDto {
  @IsString() @Length(1, 200) command!: string;
  @IsString() @Length(0, 100_000) arguments!: string;
  @IsOptional() @IsString() @Matches(/^msg_/) messageID?: string;
  @IsOptional() @IsString() @Length(1, 100) agent?: string;
  @IsOptional() @IsString() @Matches(/^[^/\s]+\/\S+$/, { message: 'model must be "provider/model"' }) model?: string;
  @IsOptional() @IsString() @Length(1, 100) variant?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => CommandFilePartDto) parts?: CommandFilePartDto[];
}

/** POST /session/{id}/init: the model to run the built-in `init` command with. */
export class SessionInitDto {
  @IsString() @Length(1, 200) modelID!: string;
  @IsString() @Length(1, 100) providerID!: string;
  @IsOptional() @IsString() @Matches(/^msg_/) messageID?: string;
}
