import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';

export class ShellModelDto {
  @IsString() @Length(1, 100) providerID!: string;
  @IsString() @Length(1, 200) modelID!: string;
}

export class ShellDto {
  @IsString() @Length(1, 100) agent!: string;
  @IsString() @Length(1, 100_000) command!: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ShellModelDto) model?: ShellModelDto;
  @IsOptional() @IsString() @Matches(/^msg_/) messageID?: string;
}
