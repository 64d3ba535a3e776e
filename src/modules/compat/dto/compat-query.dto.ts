import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MAX_EPOCH_MS, toBool, toInt } from '../../../core/http/dto-values';

export class GlobalSessionQueryDto {
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 1024) workspace?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() roots?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(MAX_EPOCH_MS) start?: number;
  /** `time.updated` of the last session of the previous page (exclusive), from the `x-next-cursor` header. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(MAX_EPOCH_MS) cursor?: number;
  @IsOptional() @IsString() @Length(0, 500) search?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() archived?: boolean;
}
